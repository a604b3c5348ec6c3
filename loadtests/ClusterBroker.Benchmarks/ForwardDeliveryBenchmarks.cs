using BenchmarkDotNet.Attributes;
using ClusterBroker.Core.Messages;
using ClusterBroker.Core.Routing;
using ClusterBroker.Protocol;

namespace ClusterBroker.Benchmarks;

/// <summary>
/// A forwarded QoS 1 message delivered to one online persistent subscriber, without and with the index of received
/// forwards that durable sessions keep (<see cref="ReceivedForwards"/>: a replayed copy skips the sessions that had the
/// original). Written to price that index on the receiving node's hot path.
/// </summary>
[MemoryDiagnoser]
public class ForwardDeliveryBenchmarks
{
    private NodeRouter _plain = null!;
    private NodeRouter _indexed = null!;

    [GlobalSetup]
    public void Setup()
    {
        _plain = Router(index: false);
        _indexed = Router(index: true);
    }

    private static NodeRouter Router(bool index)
    {
        var router = new NodeRouter(new NoSessions());
        SessionEndpoint subscriber = router.GetOrAddEndpoint("persistent");
        subscriber.Persistent = true;
        subscriber.SetOnline(new DiscardingTarget());
        router.Subscribe(subscriber, new Subscription("f/+", QualityOfService.AtLeastOnce), null, 0);
        router.ReceivedForwards = index ? new ReceivedForwards(TimeSpan.FromSeconds(60)) : null;
        return router;
    }

    private static BrokerMessage Next() => new() { Id = MessageIds.Next(), Topic = "f/1", QoS = QualityOfService.AtLeastOnce, PublisherId = "publisher-1" };

    [Benchmark(Baseline = true)]
    public int DeliverForwarded() => _plain.DeliverForwarded(Next(), plain: true, groups: null);

    [Benchmark]
    public int DeliverForwardedRemembered() => _indexed.DeliverForwarded(Next(), plain: true, groups: null);
}
