using ClusterBroker.LoadTests.Measurement;

namespace ClusterBroker.LoadTests.Scenarios;

/// <summary>N pairs (--clients): publisher i publishes to the topic only subscriber i subscribes to.</summary>
public sealed class PointToPointScenario : IScenario
{
    public string Name => "p2p";

    public string Description => "N pairs (--clients): each publisher to its own subscriber's topic";

    public Task<ScenarioResult> RunAsync(ScenarioContext context, CancellationToken cancellationToken)
    {
        var pairs = context.Settings.Clients;
        var topology = new MessageTopology(
            [.. Enumerable.Range(0, pairs).Select(i => new PublisherSpec(i, $"cblt-{context.RunId}-p{i}", Topic(context, i)))],
            [.. Enumerable.Range(0, pairs).Select(i => new SubscriberSpec($"cblt-{context.RunId}-s{i}", Topic(context, i), i))],
            [.. Enumerable.Range(0, pairs).Select(ReceiverExpectation.Publisher)]);
        return new MessageFlowEngine(context, topology).RunAsync(cancellationToken);
    }

    private static string Topic(ScenarioContext context, int pair) => $"{context.TopicPrefix}/p2p/{pair}";
}
