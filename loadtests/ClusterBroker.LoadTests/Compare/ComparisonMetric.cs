using ClusterBroker.LoadTests.Scenarios;

namespace ClusterBroker.LoadTests.Compare;

/// <summary>
/// A figure compared across brokers: how to read it from a result (the ratio is of that value), how to
/// print it, and optionally a fuller cell text (e.g. broker CPU next to the runner's).
/// </summary>
public sealed record ComparisonMetric(string Step, string Name, Func<ScenarioResult, double?> Read, Func<double, string> Format, bool HigherIsBetter)
{
    public Func<ScenarioResult, string>? Display { get; init; }
}
