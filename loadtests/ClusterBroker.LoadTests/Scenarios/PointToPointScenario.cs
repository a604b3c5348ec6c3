using ClusterBroker.LoadTests.Configuration;
using ClusterBroker.LoadTests.Measurement;

namespace ClusterBroker.LoadTests.Scenarios;

/// <summary>
/// N pairs (--clients): publisher i publishes to the topic only subscriber i subscribes to. Against several
/// endpoints (a cluster's nodes), each pair's publisher and subscriber are on different nodes unless
/// --cross-node false puts them on the same one (see <see cref="ClientPlacement.Pair"/>).
/// </summary>
public sealed class PointToPointScenario : IScenario
{
    public string Name => "p2p";

    public string Description => "N pairs (--clients): each publisher to its own subscriber's topic; several --broker: publisher and subscriber on different nodes (--cross-node)";

    public Task<ScenarioResult> RunAsync(ScenarioContext context, CancellationToken cancellationToken) =>
        new MessageFlowEngine(context, Topology(context.Settings, context.RunId, context.TopicPrefix)).RunAsync(cancellationToken);

    /// <summary>The pairs, each with its publisher's and subscriber's endpoint fixed.</summary>
    public static MessageTopology Topology(RunSettings settings, string runId, string topicPrefix)
    {
        var pairs = settings.Clients;
        var crossNode = ClientPlacement.CrossNode(settings);
        var placement = Enumerable.Range(0, pairs).Select(i => ClientPlacement.Pair(i, settings.Brokers.Count, crossNode)).ToArray();
        return new MessageTopology(
            [.. Enumerable.Range(0, pairs).Select(i => new PublisherSpec(i, $"cblt-{runId}-p{i}", Topic(topicPrefix, i), placement[i].Publisher))],
            [.. Enumerable.Range(0, pairs).Select(i => new SubscriberSpec($"cblt-{runId}-s{i}", Topic(topicPrefix, i), i, placement[i].Subscriber))],
            [.. Enumerable.Range(0, pairs).Select(ReceiverExpectation.Publisher)]);
    }

    private static string Topic(string topicPrefix, int pair) => $"{topicPrefix}/p2p/{pair}";
}
