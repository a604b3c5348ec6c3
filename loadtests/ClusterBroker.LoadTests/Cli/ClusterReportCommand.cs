using System.CommandLine;
using System.Globalization;
using ClusterBroker.LoadTests.ClusterRun;
using ClusterBroker.LoadTests.Compare;

namespace ClusterBroker.LoadTests.Cli;

/// <summary>`cluster-report`: turns the run directory of loadtests/cluster.sh into the "## Cluster" section of RESULTS.md.</summary>
public static class ClusterReportCommand
{
    public static Command Create()
    {
        var directory = new Option<string>("--dir") { Description = "Run directory written by loadtests/cluster.sh", Required = true };
        var results = new Option<string?>("--results") { Description = "Markdown file whose '## Cluster' section is replaced (e.g. loadtests/RESULTS.md)" };
        var nodes = new Option<int>("--nodes") { Description = "Nodes of the cluster run", DefaultValueFactory = _ => 3 };
        var commandText = new Option<string>("--command-text") { Description = "The command line recorded in the results", DefaultValueFactory = _ => "loadtests/cluster.sh" };
        var routeTableCommand = new Option<string>("--route-table-command") { Description = "The route table measurement's command line", DefaultValueFactory = _ => "dotnet run -c Release --project loadtests/ClusterBroker.Benchmarks -- route-table" };
        var started = new Option<string>("--started") { Description = "When the run started (ISO 8601, UTC)", Required = true };
        var finished = new Option<string?>("--finished") { Description = "When the run's measurements ended (ISO 8601, UTC; default now): for re-rendering a run later" };

        var command = new Command("cluster-report", "Write the '## Cluster' section from a loadtests/cluster.sh run directory")
        {
            directory, results, nodes, commandText, routeTableCommand, started, finished,
        };
        command.SetAction(parse =>
        {
            var dir = parse.GetValue(directory)!;
            var start = DateTimeOffset.Parse(parse.GetValue(started)!, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal);
            var end = parse.GetValue(finished) is { } text
                ? DateTimeOffset.Parse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal)
                : DateTimeOffset.UtcNow;
            var data = ClusterRunData.Load(dir, parse.GetValue(nodes));
            var body = ClusterReport.Render(data, parse.GetValue(commandText)!, parse.GetValue(routeTableCommand)!, start, end - start, MachineInfo.Describe());
            File.WriteAllText(Path.Combine(dir, "cluster.md"), body);
            Console.WriteLine(body);
            if (parse.GetValue(results) is { } file)
            {
                ResultsFileSection.Replace(file, "## Cluster", body);
                Console.WriteLine($"updated '## Cluster' in {file}");
            }

            return 0;
        });
        return command;
    }
}
