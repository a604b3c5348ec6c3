using Akka.Actor;
using Akka.Cluster;
using ClusterBroker.Cluster.Routing;
using ClusterBroker.Core.Routing;

namespace ClusterBroker.Cluster.Tests;

/// <summary>The table of other nodes' routes (pure code: no actor system needed).</summary>
public class RouteTable_Tests
{
    private static RemoteNode Node(int port) =>
        new(new UniqueAddress(new Address("akka.tcp", "cluster-broker", "127.0.0.1", port), port), ActorRefs.Nobody);

    private static (List<RemoteNode> Nodes, List<ClusterRouteTable.SharedRoute> Shared) Match(ClusterRouteTable table, string topic)
    {
        var nodes = new List<RemoteNode>();
        var shared = new List<ClusterRouteTable.SharedRoute>();
        table.Match(topic, nodes, shared);
        return (nodes, shared);
    }

    [Fact]
    public void A_node_matches_once_however_many_of_its_filters_match()
    {
        var table = new ClusterRouteTable();
        RemoteNode b = Node(2), c = Node(3);
        table.Add(b, new RouteKey("a/#"));
        table.Add(b, new RouteKey("a/+/c"));
        table.Add(b, new RouteKey("a/b/c"));
        table.Add(c, new RouteKey("x/#"));
        Assert.Equal([b], Match(table, "a/b/c").Nodes);
        Assert.Empty(Match(table, "y").Nodes);
    }

    [Fact]
    public void Dollar_topics_are_not_matched_by_leading_wildcards()
    {
        var table = new ClusterRouteTable();
        RemoteNode b = Node(2);
        table.Add(b, new RouteKey("#"));
        table.Add(b, new RouteKey("+/broker/x"));
        Assert.Empty(Match(table, "$SYS/broker/x").Nodes);
        table.Add(b, new RouteKey("$SYS/#"));
        Assert.Single(Match(table, "$SYS/broker/x").Nodes);
    }

    [Fact]
    public void Adding_twice_keeps_one_entry_and_removing_withdraws_it()
    {
        var table = new ClusterRouteTable();
        RemoteNode b = Node(2);
        Assert.True(table.Add(b, new RouteKey("t")));
        Assert.False(table.Add(b, new RouteKey("t")));
        Assert.Equal(1, table.Count);
        Assert.True(table.Remove(b, new RouteKey("t")));
        Assert.False(table.Remove(b, new RouteKey("t")));
        Assert.Empty(Match(table, "t").Nodes);
        Assert.Equal(0, table.Count);
    }

    [Fact]
    public void A_snapshot_replaces_the_routes_of_its_node_only()
    {
        var table = new ClusterRouteTable();
        RemoteNode b = Node(2), c = Node(3);
        table.Add(b, new RouteKey("old"));
        table.Add(c, new RouteKey("old"));
        table.Replace(b, [new RouteKey("new"), new RouteKey("s", "g")]);
        Assert.Equal([c], Match(table, "old").Nodes);
        Assert.Equal([b], Match(table, "new").Nodes);
        Assert.Equal(new RouteKey("s", "g"), new RouteKey(Match(table, "s").Shared.Single().Filter, Match(table, "s").Shared.Single().Group));
        Assert.Equal(4 - 1, table.Count);
    }

    [Fact]
    public void Purging_a_node_that_left_removes_all_its_routes()
    {
        var table = new ClusterRouteTable();
        RemoteNode b = Node(2), c = Node(3);
        for (int i = 0; i < 100; i++)
        {
            table.Add(b, new RouteKey("t/" + i));
        }

        table.Add(b, new RouteKey("t/+", "g"));
        table.Add(c, new RouteKey("t/1"));
        Assert.Equal(101, table.Purge(b));
        Assert.Equal(1, table.Count);
        Assert.Equal([c], Match(table, "t/1").Nodes);
        Assert.Empty(Match(table, "t/1").Shared);
    }

    [Fact]
    public void Shared_routes_are_kept_per_group_and_node()
    {
        var table = new ClusterRouteTable();
        RemoteNode b = Node(2), c = Node(3);
        table.Add(b, new RouteKey("s/+", "g1"));
        table.Add(c, new RouteKey("s/+", "g1"));
        table.Add(c, new RouteKey("s/#", "g2"));
        var shared = Match(table, "s/x").Shared;
        Assert.Equal(3, shared.Count);
        Assert.Empty(Match(table, "s/x").Nodes); // shared routes never cause a plain forward
    }
}
