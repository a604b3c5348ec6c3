using ClusterBroker.LoadTests.Scenarios;

namespace ClusterBroker.LoadTests.Compare;

/// <summary>One broker's results in a comparison, or why it could not take part.</summary>
public sealed record BrokerRun(string Label, string? Unavailable, IReadOnlyDictionary<string, ScenarioResult> Results);
