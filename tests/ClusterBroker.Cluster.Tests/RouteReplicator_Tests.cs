using Akka.Actor;
using Akka.Cluster;
using Akka.TestKit;
using ClusterBroker.Cluster.Messages;
using ClusterBroker.Cluster.Routing;
using ClusterBroker.Core;
using ClusterBroker.Core.Messages;
using ClusterBroker.Core.Routing;
using ClusterBroker.Core.Sessions;
using Microsoft.Extensions.Logging.Abstractions;

namespace ClusterBroker.Cluster.Tests;

/// <summary>
/// The route protocol on a one-node cluster. The replicator only accepts deltas and snapshots from members,
/// so the test plays "another origin" with this node's own unique address (the table then holds them as a
/// remote node's routes, which is what is asserted); a non-member's delta is ignored.
/// </summary>
public class RouteReplicator_Tests : Akka.TestKit.Xunit2.TestKit
{
    private readonly Akka.Cluster.Cluster _cluster;

    public RouteReplicator_Tests()
        : base(ClusterTestConfig.Hocon, "route-replicator-tests")
    {
        _cluster = Akka.Cluster.Cluster.Get(Sys);
        _cluster.Join(_cluster.SelfAddress);
        AwaitCondition(() => _cluster.SelfMember.Status == MemberStatus.Up, TimeSpan.FromSeconds(30));
    }

    private (NodeRouter Router, ClusterRouteTable Table, IActorRef Replicator) Start()
    {
        var router = new NodeRouter(new NoSessions());
        var table = new ClusterRouteTable();
        IActorRef replicator = Sys.ActorOf(RouteReplicatorActor.Props(router, table, new ClusterMetrics(), NullLogger.Instance));
        router.RouteObserver = RouteReplicatorActor.Observer(replicator);
        return (router, table, replicator);
    }

    private static IReadOnlyCollection<RouteKey> RoutesOfOrigin(ClusterRouteTable table)
    {
        var nodes = new List<RemoteNode>();
        table.Match("a/b", nodes, new List<ClusterRouteTable.SharedRoute>());
        return nodes.Count == 0 ? [] : table.RoutesOf(nodes[0]);
    }

    [Fact]
    public void Deltas_in_sequence_are_applied_and_a_gap_asks_the_origin_for_a_snapshot()
    {
        var (_, table, replicator) = Start();
        UniqueAddress origin = _cluster.SelfUniqueAddress;
        replicator.Tell(new RouteDelta(origin, 1, [new RouteChange(true, new RouteKey("a/+"))]), TestActor);
        AwaitCondition(() => table.Count == 1, TimeSpan.FromSeconds(5));
        replicator.Tell(new RouteDelta(origin, 3, [new RouteChange(true, new RouteKey("a/b"))]), TestActor);
        FishForMessage<RequestRouteSnapshot>(_ => true, TimeSpan.FromSeconds(5));
        Assert.Equal(1, table.Count); // nothing applied past the gap

        // The snapshot (in two parts) replaces the origin's routes; deltas continue from its sequence.
        replicator.Tell(new RouteSnapshotPart(origin, 4, false, [new RouteKey("a/#")]), TestActor);
        replicator.Tell(new RouteSnapshotPart(origin, 4, true, [new RouteKey("a/b")]), TestActor);
        AwaitAssert(() => Assert.Equal(new HashSet<RouteKey> { new("a/#"), new("a/b") }, RoutesOfOrigin(table).ToHashSet()), TimeSpan.FromSeconds(5));
        replicator.Tell(new RouteDelta(origin, 5, [new RouteChange(false, new RouteKey("a/#"))]), TestActor);
        AwaitAssert(() => Assert.Equal([new RouteKey("a/b")], RoutesOfOrigin(table)), TimeSpan.FromSeconds(5));
    }

    [Fact]
    public void A_propagation_barrier_waits_until_the_other_nodes_applied_this_nodes_routes()
    {
        var (router, _, replicator) = Start();
        UniqueAddress other = _cluster.SelfUniqueAddress; // plays another member (see the class comment)
        replicator.Tell(new RouteDelta(other, 1, [new RouteChange(true, new RouteKey("x"))]), TestActor);
        ExpectMsg<RoutesApplied>(TimeSpan.FromSeconds(5)); // this node acknowledges what it applied

        router.Subscribe(router.GetOrAddEndpoint("c"), new Subscription("f", Protocol.QualityOfService.AtMostOnce), null, 0);
        replicator.Tell(RouteReplicatorActor.AwaitPropagation.Instance, TestActor);
        ExpectNoMsg(TimeSpan.FromMilliseconds(300)); // not answered before the other node applied the change
        replicator.Tell(new RoutesApplied(other, 1), TestActor); // this node's first delta
        
        Assert.True(ExpectMsg<RouteReplicatorActor.RoutesPropagated>(TimeSpan.FromSeconds(5)).IsEverywhere);
    }

    [Fact]
    public void A_delta_from_a_node_that_is_not_a_member_is_ignored()
    {
        var (_, table, replicator) = Start();
        var stranger = new UniqueAddress(new Address("akka.tcp", "cluster-broker", "10.0.0.9", 2551), 7);
        replicator.Tell(new RouteDelta(stranger, 1, [new RouteChange(true, new RouteKey("x"))]), TestActor);
        ExpectNoMsg(TimeSpan.FromMilliseconds(300));
        Assert.Equal(0, table.Count);
    }

    [Fact]
    public void The_first_local_subscriber_announces_a_route_and_the_last_withdraws_it()
    {
        var (router, _, replicator) = Start();
        SessionEndpoint one = router.GetOrAddEndpoint("one"), two = router.GetOrAddEndpoint("two");
        router.Subscribe(one, new Subscription("f", Protocol.QualityOfService.AtMostOnce), null, 0);
        router.Subscribe(two, new Subscription("f", Protocol.QualityOfService.AtMostOnce), null, 0);
        router.Unsubscribe(one, "f");
        Assert.Equal([new RouteKey("f")], router.GetRoutes());
        router.Unsubscribe(two, "f");
        Assert.Empty(router.GetRoutes());

        // A snapshot asked of this node carries its current routes (none now) as one final part.
        replicator.Tell(new RequestRouteSnapshot(_cluster.SelfUniqueAddress), TestActor);
        RouteSnapshotPart part = ExpectMsg<RouteSnapshotPart>(TimeSpan.FromSeconds(5));
        Assert.True(part.Last);
        Assert.Empty(part.Routes);
        Assert.True(part.Sequence >= 1);
    }

    private sealed class NoSessions : ISessionRegistry
    {
        public Task<SessionAttachResult> AttachAsync(SessionAttachRequest request, CancellationToken cancellationToken) =>
            Task.FromResult(new SessionAttachResult(false, SessionSnapshot.Empty));

        public void Detach(SessionDetachRequest request)
        {
        }

        public void EnqueueOffline(string clientId, QueuedMessage message)
        {
        }
    }
}
