using ClusterBroker.LoadTests.Configuration;
using ClusterBroker.LoadTests.Progress;

namespace ClusterBroker.LoadTests.Scenarios;

/// <summary>
/// Runs one scenario with a hard time bound (--max-time): the entry point for the command line, the
/// compare command and the tests.
/// </summary>
public static class ScenarioRunner
{
    public static async Task<ScenarioResult> RunAsync(string scenario, RunSettings settings, IProgressSink progress, CancellationToken cancellationToken)
    {
        using var bound = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        bound.CancelAfter(TimeSpan.FromSeconds(settings.MaxRunSeconds));
        var context = new ScenarioContext(scenario, settings, progress);
        return await ScenarioCatalog.Get(scenario).RunAsync(context, bound.Token);
    }
}
