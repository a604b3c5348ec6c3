using Akka.Actor;
using Akka.Cluster;
using ClusterBroker.Cluster.Routing;

namespace ClusterBroker.Cluster.Tests;

/// <summary>Route messages kept for a node this node's view does not list yet: in order, per origin, bounded.</summary>
public class EarlyRouteMessages_Tests
{
    private static UniqueAddress Node(int port) => new(new Address("akka.tcp", "cluster-broker", "127.0.0.1", port), port);

    [Fact]
    public void What_an_origin_sent_early_is_taken_once_in_arrival_order_and_apart_from_other_origins()
    {
        var early = new EarlyRouteMessages();
        Assert.True(early.Keep(Node(1), "delta 1", ActorRefs.Nobody));
        Assert.True(early.Keep(Node(2), "other", ActorRefs.Nobody));
        Assert.True(early.Keep(Node(1), "delta 2", ActorRefs.Nobody));

        Assert.Equal(["delta 1", "delta 2"], early.Take(Node(1)).Select(k => (string)k.Message));
        Assert.Empty(early.Take(Node(1)));
        Assert.Equal(["other"], early.Take(Node(2)).Select(k => (string)k.Message));
    }

    [Fact]
    public void At_most_MaxMessages_are_kept_in_all_and_taking_makes_room_again()
    {
        var early = new EarlyRouteMessages();
        for (int i = 0; i < EarlyRouteMessages.MaxMessages; i++)
        {
            Assert.True(early.Keep(Node(1 + (i % 3)), i, ActorRefs.Nobody));
        }

        Assert.False(early.Keep(Node(4), "one too many", ActorRefs.Nobody));
        int taken = early.Take(Node(1)).Count;
        Assert.True(taken > 0);
        Assert.True(early.Keep(Node(4), "room again", ActorRefs.Nobody));
    }
}
