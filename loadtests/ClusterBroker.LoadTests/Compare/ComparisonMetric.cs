using ClusterBroker.LoadTests.Scenarios;

namespace ClusterBroker.LoadTests.Compare;

/// <summary>A figure compared across brokers: how to read it from a result and how to print it.</summary>
public sealed record ComparisonMetric(string Step, string Name, Func<ScenarioResult, double?> Read, Func<double, string> Format, bool HigherIsBetter);
