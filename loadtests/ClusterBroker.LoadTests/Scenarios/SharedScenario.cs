using ClusterBroker.LoadTests.Measurement;

namespace ClusterBroker.LoadTests.Scenarios;

/// <summary>
/// P publishers (--clients) to a $share group of S members (--subscribers, default 4). The whole group is
/// one receiver in the ledger, so a message that reaches two members counts as a duplicate and one that
/// reaches none as lost: each must reach exactly one.
/// </summary>
public sealed class SharedScenario : IScenario
{
    public string Name => "shared";

    public string Description => "P publishers (--clients) to a $share group of S members (--subscribers, default 4); each message must reach exactly one";

    public Task<ScenarioResult> RunAsync(ScenarioContext context, CancellationToken cancellationToken)
    {
        var s = context.Settings;
        var publishers = s.Publishers ?? s.Clients;
        var members = s.Subscribers ?? 4;
        var topic = $"{context.TopicPrefix}/shared";
        var topology = new MessageTopology(
            [.. Enumerable.Range(0, publishers).Select(p => new PublisherSpec(p, $"cblt-{context.RunId}-p{p}", $"{topic}/{p}"))],
            [.. Enumerable.Range(0, members).Select(i => new SubscriberSpec($"cblt-{context.RunId}-m{i}", $"$share/cblt{context.RunId}/{topic}/+", 0))],
            [ReceiverExpectation.AllPublishers],
            SharedGroup: true);
        return new MessageFlowEngine(context, topology).RunAsync(cancellationToken);
    }
}
