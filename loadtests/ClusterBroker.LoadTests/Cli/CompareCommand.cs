using System.CommandLine;
using System.Diagnostics;
using ClusterBroker.LoadTests.Brokers;
using ClusterBroker.LoadTests.Compare;
using Spectre.Console;

namespace ClusterBroker.LoadTests.Cli;

/// <summary>`compare`: ClusterBroker, Mosquitto and the MQTTnet server, one after the other, same scenarios, one table.</summary>
public static class CompareCommand
{
    public static Command Create()
    {
        var output = new Option<string>("--out") { Description = "Directory for every run's report and comparison.md", DefaultValueFactory = _ => Path.Combine("loadtests", "reports", DateTime.UtcNow.ToString("yyyyMMdd-HHmmss", System.Globalization.CultureInfo.InvariantCulture)) };
        var results = new Option<string?>("--results") { Description = "Markdown file whose '## Comparison' section is replaced with the table (e.g. loadtests/RESULTS.md)" };
        var brokers = new Option<string[]>("--brokers") { Description = "Which brokers: clusterbroker, mosquitto, mqttnet", DefaultValueFactory = _ => ["clusterbroker", "mosquitto", "mqttnet"], AllowMultipleArgumentsPerToken = true };
        var clusterDll = new Option<string>("--cluster-broker-dll") { Description = "ClusterBroker.Host.dll to run", DefaultValueFactory = _ => RepositoryPaths.ClusterBrokerDll() };
        var peerDll = new Option<string>("--peer-broker-dll") { Description = "ClusterBroker.PeerBroker.dll to run", DefaultValueFactory = _ => RepositoryPaths.PeerBrokerDll() };
        var commandText = new Option<string>("--command-text") { Description = "The command line recorded in the results", DefaultValueFactory = _ => "loadtests/compare.sh" };

        var command = new Command("compare", "Start ClusterBroker, Mosquitto and an MQTTnet server in turn, run the same scenarios against each, print one table with ratios")
        {
            output, results, brokers, clusterDll, peerDll, commandText,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var specs = (parse.GetValue(brokers) ?? []).Select(b => b switch
            {
                "clusterbroker" => new BrokerSpec(BrokerKind.ClusterBroker, ComparisonTable.SubjectLabel, parse.GetValue(clusterDll)),
                "mosquitto" => new BrokerSpec(BrokerKind.Mosquitto, "Mosquitto"),
                "mqttnet" => new BrokerSpec(BrokerKind.MqttNetServer, "MQTTnet", parse.GetValue(peerDll)),
                _ => throw new ArgumentException($"unknown broker '{b}'"),
            }).ToList();
            var directory = parse.GetValue(output)!;
            var steps = ComparisonPlan.Standard();
            var started = Stopwatch.GetTimestamp();
            var loadAtStart = MachineInfo.LoadAverage();
            var runs = await new CompareRunner(Console.Out).RunAsync(specs, steps, directory, cancellationToken, ComparisonPlan.WarmUp());

            var table = new ComparisonTable(steps, runs);
            var view = new Table().Border(TableBorder.Rounded).Title("ClusterBroker side by side");
            foreach (var column in table.Header())
            {
                view.AddColumn(Markup.Escape(column));
            }

            foreach (var row in table.Rows())
            {
                view.AddRow([.. row.Select(Markup.Escape)]);
            }

            AnsiConsole.Write(view);
            var body = ComparisonReport.Render(table, steps, parse.GetValue(commandText)!, Stopwatch.GetElapsedTime(started), loadAtStart);
            Directory.CreateDirectory(directory);
            await File.WriteAllTextAsync(Path.Combine(directory, "comparison.md"), body, cancellationToken);
            if (parse.GetValue(results) is { } file)
            {
                ResultsFileSection.Replace(file, "## Comparison", body);
                Console.WriteLine($"updated '## Comparison' in {file}");
            }

            Console.WriteLine($"reports in {directory}");
            return 0;
        });
        return command;
    }
}
