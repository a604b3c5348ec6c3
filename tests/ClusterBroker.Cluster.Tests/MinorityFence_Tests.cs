using Akka.Actor;

namespace ClusterBroker.Cluster.Tests;

/// <summary>The keep-majority judgement a node makes of its own side of a partition (MinorityFenceActor).</summary>
public sealed class MinorityFence_Tests
{
    private static Address Node(int port) => new("akka.tcp", "cluster-broker", "127.0.0.1", port);

    [Fact]
    public void A_node_that_reaches_every_member_is_not_in_a_minority() =>
        Assert.False(MinorityFenceActor.InMinority([(Node(1), true), (Node(2), true), (Node(3), true)]));

    [Fact]
    public void One_node_cut_off_from_two_is_in_the_minority_and_the_two_are_not()
    {
        // node 3's view: itself reachable, the others not; the others' view: node 3 unreachable
        Assert.True(MinorityFenceActor.InMinority([(Node(1), false), (Node(2), false), (Node(3), true)]));
        Assert.False(MinorityFenceActor.InMinority([(Node(1), true), (Node(2), true), (Node(3), false)]));
    }

    [Fact]
    public void On_a_tie_the_side_with_the_lowest_address_is_kept()
    {
        Assert.False(MinorityFenceActor.InMinority([(Node(1), true), (Node(2), false)]));
        Assert.True(MinorityFenceActor.InMinority([(Node(1), false), (Node(2), true)]));
        Assert.True(MinorityFenceActor.InMinority([(Node(4), true), (Node(3), true), (Node(1), false), (Node(2), false)]));
    }

    [Fact]
    public void A_single_node_is_its_own_majority() =>
        Assert.False(MinorityFenceActor.InMinority([(Node(1), true)]));
}
