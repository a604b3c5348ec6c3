using ClusterBroker.LoadTests.Configuration;

namespace ClusterBroker.LoadTests.Compare;

/// <summary>One scenario of the comparison with the settings every broker gets.</summary>
public sealed record ComparisonStep(string Scenario, string Title, RunSettings Settings);
