using ClusterBroker.LoadTests.Brokers;
using ClusterBroker.LoadTests.Progress;
using ClusterBroker.LoadTests.Reporting;
using ClusterBroker.LoadTests.Scenarios;

namespace ClusterBroker.LoadTests.Compare;

/// <summary>
/// Starts each broker in turn on a free loopback port, runs the same scenario set against it (passing
/// its pid, so CPU and memory are measured), writes every report, and stops it before the next. When a
/// warm-up step is given, it runs first against each broker and its result is discarded.
/// </summary>
public sealed class CompareRunner
{
    private readonly TextWriter _log;

    public CompareRunner(TextWriter log) => _log = log;

    public async Task<IReadOnlyList<BrokerRun>> RunAsync(IReadOnlyList<BrokerSpec> brokers, IReadOnlyList<ComparisonStep> steps, string reportDirectory, CancellationToken cancellationToken, ComparisonStep? warmUp = null)
    {
        var runs = new List<BrokerRun>();
        foreach (var spec in brokers)
        {
            runs.Add(await RunBrokerAsync(spec, steps, warmUp, reportDirectory, cancellationToken));
        }

        return runs;
    }

    private async Task<BrokerRun> RunBrokerAsync(BrokerSpec spec, IReadOnlyList<ComparisonStep> steps, ComparisonStep? warmUp, string reportDirectory, CancellationToken cancellationToken)
    {
        RunningBroker broker;
        try
        {
            broker = await BrokerLauncher.StartAsync(spec, cancellationToken);
        }
        catch (BrokerStartException e)
        {
            await _log.WriteLineAsync($"{spec.Label}: not available - {e.Message}");
            return new BrokerRun(spec.Label, FirstLine(e.Message), new Dictionary<string, ScenarioResult>());
        }

        await using (broker)
        {
            await _log.WriteLineAsync($"{spec.Label}: started, pid {broker.Pid}, port {broker.Port}");
            var results = new Dictionary<string, ScenarioResult>();
            if (warmUp is not null)
            {
                await _log.WriteLineAsync($"{spec.Label}: warm-up (not reported): {warmUp.Title}");
                var settings = warmUp.Settings with { Brokers = [broker.Endpoint], Label = spec.Label, BrokerPids = [broker.Pid] };
                await ScenarioRunner.RunAsync(warmUp.Scenario, settings, new PlainProgressLog(_log), cancellationToken);
                if (!broker.IsRunning)
                {
                    return new BrokerRun(spec.Label, $"exited during {warmUp.Key}", results);
                }
            }

            foreach (var step in steps)
            {
                var settings = step.Settings with { Brokers = [broker.Endpoint], Label = spec.Label, BrokerPids = [broker.Pid] };
                await _log.WriteLineAsync($"{spec.Label}: {step.Title}");
                var result = await ScenarioRunner.RunAsync(step.Scenario, settings, new PlainProgressLog(_log), cancellationToken);
                results[step.Key] = result;
                var folder = ReportWriter.Write(result, reportDirectory, step.Key);
                await _log.WriteLineAsync($"{spec.Label}: {step.Key} done{(result.Note is null ? "" : $" ({result.Note})")}; report in {folder}");
                if (!broker.IsRunning)
                {
                    return new BrokerRun(spec.Label, $"exited during {step.Key}", results);
                }
            }

            return new BrokerRun(spec.Label, null, results);
        }
    }

    private static string FirstLine(string text) => text.Split('\n')[0];
}
