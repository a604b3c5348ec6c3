using ClusterBroker.LoadTests.Configuration;

namespace ClusterBroker.LoadTests.Compare;

/// <summary>One scenario of the comparison (Key names it in the table; one scenario may appear twice) with the settings every broker gets.</summary>
public sealed record ComparisonStep(string Key, string Scenario, string Title, RunSettings Settings)
{
    public ComparisonStep(string scenario, string title, RunSettings settings)
        : this(scenario, scenario, title, settings)
    {
    }
}
