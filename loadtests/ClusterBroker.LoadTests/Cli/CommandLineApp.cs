using System.CommandLine;
using ClusterBroker.LoadTests.Scenarios;

namespace ClusterBroker.LoadTests.Cli;

/// <summary>The runner's command line: one command per scenario, compare, and the hidden worker command.</summary>
public static class CommandLineApp
{
    public static RootCommand Create()
    {
        var root = new RootCommand("ClusterBroker load-test runner: scenarios against any MQTT broker on this machine, live progress, Markdown and HTML reports");
        foreach (var scenario in ScenarioCatalog.All)
        {
            root.Add(ScenarioCommand.Create(scenario));
        }

        root.Add(CompareCommand.Create());
        root.Add(ClusterReportCommand.Create());
        root.Add(WorkerCommand.Create());
        return root;
    }
}
