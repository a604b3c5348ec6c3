using ClusterBroker.LoadTests.Measurement;

namespace ClusterBroker.LoadTests.Scenarios;

/// <summary>P publishers (--clients, or --publishers) to S subscribers (--subscribers, default 1) of one topic, or of a wildcard over per-publisher topics.</summary>
public sealed class FanInScenario : IScenario
{
    public string Name => "fan-in";

    public string Description => "P publishers (--clients) to S subscribers (--subscribers, default 1) of one topic; --wildcard: each publisher its own topic, subscribers use +";

    public Task<ScenarioResult> RunAsync(ScenarioContext context, CancellationToken cancellationToken)
    {
        var s = context.Settings;
        var publishers = s.Publishers ?? s.Clients;
        var subscribers = s.Subscribers ?? 1;
        var topic = $"{context.TopicPrefix}/fan-in";
        var topology = new MessageTopology(
            [.. Enumerable.Range(0, publishers).Select(p => new PublisherSpec(p, $"cblt-{context.RunId}-p{p}", s.Wildcard ? $"{topic}/{p}" : topic))],
            [.. Enumerable.Range(0, subscribers).Select(i => new SubscriberSpec($"cblt-{context.RunId}-s{i}", s.Wildcard ? $"{topic}/+" : topic, i))],
            [.. Enumerable.Repeat(ReceiverExpectation.AllPublishers, subscribers)]);
        return new MessageFlowEngine(context, topology).RunAsync(cancellationToken);
    }
}
