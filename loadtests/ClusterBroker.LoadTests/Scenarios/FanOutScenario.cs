using ClusterBroker.LoadTests.Measurement;

namespace ClusterBroker.LoadTests.Scenarios;

/// <summary>1..P publishers (--publishers, default 1) to N subscribers (--clients) of the same topic.</summary>
public sealed class FanOutScenario : IScenario
{
    public string Name => "fan-out";

    public string Description => "1..P publishers (--publishers, default 1) to N subscribers (--clients) of the same topic; --wildcard: subscribers use #";

    public Task<ScenarioResult> RunAsync(ScenarioContext context, CancellationToken cancellationToken)
    {
        var s = context.Settings;
        var publishers = s.Publishers ?? 1;
        var subscribers = s.Subscribers ?? s.Clients;
        var topic = $"{context.TopicPrefix}/fan-out";
        var topology = new MessageTopology(
            [.. Enumerable.Range(0, publishers).Select(p => new PublisherSpec(p, $"cblt-{context.RunId}-p{p}", topic))],
            [.. Enumerable.Range(0, subscribers).Select(i => new SubscriberSpec($"cblt-{context.RunId}-s{i}", s.Wildcard ? $"{context.TopicPrefix}/#" : topic, i))],
            [.. Enumerable.Repeat(ReceiverExpectation.AllPublishers, subscribers)]);
        return new MessageFlowEngine(context, topology).RunAsync(cancellationToken);
    }
}
