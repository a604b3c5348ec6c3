using System.CommandLine;
using ClusterBroker.LoadTests.Progress;
using ClusterBroker.LoadTests.Reporting;
using ClusterBroker.LoadTests.Scenarios;
using Spectre.Console;

namespace ClusterBroker.LoadTests.Cli;

/// <summary>One command per scenario: run it with live progress, print the final table, write the report.</summary>
public static class ScenarioCommand
{
    public static Command Create(IScenario scenario)
    {
        var options = new RunOptions();
        var command = new Command(scenario.Name, scenario.Description);
        foreach (var option in options.All)
        {
            command.Add(option);
        }

        command.SetAction(async (parse, cancellationToken) =>
        {
            var settings = options.Bind(parse);
            ScenarioResult result;
            if (settings.Live)
            {
                var live = new LiveProgressView();
                try
                {
                    result = await ScenarioRunner.RunAsync(scenario.Name, settings, live, cancellationToken);
                }
                finally
                {
                    await live.DisposeAsync();
                }
            }
            else
            {
                result = await ScenarioRunner.RunAsync(scenario.Name, settings, new PlainProgressLog(Console.Out), cancellationToken);
            }

            AnsiConsole.Write(ResultTable.Render(result));
            if (settings.ReportDirectory is { } directory)
            {
                Console.WriteLine($"report: {ReportWriter.Write(result, directory)}");
            }

            return result.Failed ? 1 : 0;
        });
        return command;
    }
}
