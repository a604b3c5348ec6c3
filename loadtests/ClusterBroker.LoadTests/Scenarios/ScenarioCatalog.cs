namespace ClusterBroker.LoadTests.Scenarios;

/// <summary>Every scenario the runner knows, by command name.</summary>
public static class ScenarioCatalog
{
    public static IReadOnlyList<IScenario> All { get; } =
    [
        new ConnectScenario(),
        new FanInScenario(),
        new FanOutScenario(),
        new PointToPointScenario(),
        new SharedScenario(),
        new RetainedScenario(),
    ];

    public static IScenario Get(string name) =>
        All.FirstOrDefault(s => s.Name == name) ?? throw new ArgumentException($"unknown scenario '{name}'", nameof(name));
}
