using Akka.Actor;
using Akka.Cluster;
using BenchmarkDotNet.Attributes;
using ClusterBroker.Cluster;
using ClusterBroker.Cluster.Routing;
using ClusterBroker.Core.Messages;
using ClusterBroker.Core.Routing;
using ClusterBroker.Core.Sessions;
using ClusterBroker.Protocol;
using ClusterBroker.Topics;

namespace ClusterBroker.Benchmarks;

/// <summary>
/// The publish path of a shared group: the router choosing a member of a local group of 4 online members, and the
/// cluster forwarder placing a group that 2 other nodes and this one have members of (plain delivery to one
/// subscriber as the baseline). Written to compare the strategies' cost with the round robin that came before.
/// </summary>
[MemoryDiagnoser]
public class SharedPublishBenchmarks
{
    private readonly BrokerMessage _shared = new() { Topic = "s/1", QoS = QualityOfService.AtLeastOnce, PublisherId = "publisher-1" };
    private readonly BrokerMessage _plain = new() { Topic = "p/1", QoS = QualityOfService.AtLeastOnce, PublisherId = "publisher-1" };
    private readonly List<SharedGroup> _localGroups = new();
    private NodeRouter _router = null!;
    private ClusterForwarder _forwarder = null!;
    private SharedGroup _group = null!;

    [GlobalSetup]
    public void Setup()
    {
        _router = new NodeRouter(new NoSessions());
        SharedSubscriptionFilter.Parse("$share/g/s/+", out SharedSubscriptionFilter filter);
        for (int i = 0; i < 4; i++)
        {
            SessionEndpoint member = _router.GetOrAddEndpoint("member-" + i);
            member.SetOnline(new DiscardingTarget());
            _router.Subscribe(member, new Subscription("$share/g/s/+", QualityOfService.AtLeastOnce), filter, 0);
        }

        SessionEndpoint plain = _router.GetOrAddEndpoint("plain");
        plain.SetOnline(new DiscardingTarget());
        _router.Subscribe(plain, new Subscription("p/+", QualityOfService.AtLeastOnce), null, 0);
        _router.TryGetGroup(new RouteKey("s/+", "g"), out _group);

        var routes = new ClusterRouteTable();
        for (int port = 2; port <= 3; port++)
        {
            routes.Add(new RemoteNode(new UniqueAddress(new Address("akka.tcp", "cluster-broker", "127.0.0.1", port), port), ActorRefs.Nobody), new RouteKey("s/+", "g"));
        }

        _forwarder = new ClusterForwarder(routes, new ClusterMetrics());
    }

    [Benchmark(Baseline = true)]
    public int PlainPublish() => _router.Publish(_plain);

    [Benchmark]
    public int SharedPublishLocalGroup() => _router.Publish(_shared);

    [Benchmark]
    public int PlaceGroupInCluster()
    {
        _localGroups.Add(_group);
        _forwarder.Forward(_shared, _localGroups);
        int left = _localGroups.Count;
        _localGroups.Clear();
        return left;
    }
}
