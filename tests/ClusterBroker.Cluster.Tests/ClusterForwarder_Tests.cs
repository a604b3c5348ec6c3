using Akka.Actor;
using Akka.Cluster;
using Akka.TestKit;
using ClusterBroker.Cluster.Messages;
using ClusterBroker.Cluster.Routing;
using ClusterBroker.Core.Messages;
using ClusterBroker.Core.Routing;

namespace ClusterBroker.Cluster.Tests;

/// <summary>One forward per remote node per message, and each shared group served by exactly one node.</summary>
public class ClusterForwarder_Tests : Akka.TestKit.Xunit2.TestKit
{
    public ClusterForwarder_Tests()
        : base(ClusterTestConfig.Serialization, "forwarder-tests")
    {
    }

    private static RemoteNode Node(int port, TestProbe probe) =>
        new(new UniqueAddress(new Address("akka.tcp", "cluster-broker", "127.0.0.1", port), port), probe.Ref);

    private static BrokerMessage Message(string topic) => new() { Topic = topic };

    [Fact]
    public void A_message_is_forwarded_once_to_each_node_with_a_matching_route()
    {
        TestProbe bProbe = CreateTestProbe(), cProbe = CreateTestProbe(), dProbe = CreateTestProbe();
        var table = new ClusterRouteTable();
        RemoteNode b = Node(2, bProbe), c = Node(3, cProbe), d = Node(4, dProbe);
        table.Add(b, new RouteKey("a/#"));
        table.Add(b, new RouteKey("a/b"));
        table.Add(c, new RouteKey("a/+"));
        table.Add(d, new RouteKey("z"));
        var metrics = new ClusterMetrics();
        new ClusterForwarder(table, metrics).Forward(Message("a/b"), []);
        Assert.True(bProbe.ExpectMsg<ForwardedMessage>().Plain);
        Assert.True(cProbe.ExpectMsg<ForwardedMessage>().Plain);
        bProbe.ExpectNoMsg(TimeSpan.FromMilliseconds(100));
        dProbe.ExpectNoMsg(TimeSpan.FromMilliseconds(100));
        Assert.Equal(2, metrics.ForwardsSent);
    }

    [Fact]
    public void The_match_that_forwards_also_tells_whether_another_node_has_a_persistent_subscriber()
    {
        TestProbe bProbe = CreateTestProbe(), cProbe = CreateTestProbe();
        var table = new ClusterRouteTable();
        RemoteNode b = Node(2, bProbe), c = Node(3, cProbe);
        table.Add(b, new RouteKey("p/#"));
        table.Add(b, RouteKey.Persistent("p/#"));
        table.Add(c, new RouteKey("clean/#"));
        var forwarder = new ClusterForwarder(table, new ClusterMetrics());

        Assert.Equal(1, forwarder.Forward(Message("p/x"), [], checkPersistent: true, out bool persistent));
        Assert.True(persistent);
        Assert.Equal(1, forwarder.Forward(Message("clean/x"), [], checkPersistent: true, out bool clean));
        Assert.False(clean);
        forwarder.Forward(Message("p/y"), [], checkPersistent: false, out bool notAsked);
        Assert.False(notAsked);
        Assert.True(bProbe.ExpectMsg<ForwardedMessage>().Plain);
        Assert.True(cProbe.ExpectMsg<ForwardedMessage>().Plain);
    }

    [Fact]
    public void Sys_topics_stay_on_their_node()
    {
        TestProbe probe = CreateTestProbe();
        var table = new ClusterRouteTable();
        table.Add(Node(2, probe), new RouteKey("$SYS/#"));
        new ClusterForwarder(table, new ClusterMetrics()).Forward(Message("$SYS/broker/uptime"), []);
        probe.ExpectNoMsg(TimeSpan.FromMilliseconds(100));
    }

    [Fact]
    public void Each_message_of_a_shared_group_goes_to_exactly_one_node_and_all_nodes_take_turns()
    {
        TestProbe bProbe = CreateTestProbe(), cProbe = CreateTestProbe();
        var table = new ClusterRouteTable();
        table.Add(Node(2, bProbe), new RouteKey("s/+", "g"));
        table.Add(Node(3, cProbe), new RouteKey("s/+", "g"));
        var forwarder = new ClusterForwarder(table, new ClusterMetrics());
        var localGroup = new SharedGroup("g", "s/+");
        int local = 0, remote = 0;
        for (int i = 0; i < 30; i++)
        {
            var groups = new List<SharedGroup> { localGroup };
            forwarder.Forward(Message("s/x"), groups);
            if (groups.Count == 1)
            {
                local++; // this node keeps it: no forward for the group
            }
        }

        foreach (TestProbe probe in new[] { bProbe, cProbe })
        {
            int count = 0;
            while (probe.HasMessages)
            {
                ForwardedMessage forward = probe.ExpectMsg<ForwardedMessage>();
                Assert.False(forward.Plain);
                Assert.Equal(new RouteKey("s/+", "g"), Assert.Single(forward.Groups!));
                count++;
            }

            Assert.Equal(10, count);
            remote += count;
        }

        Assert.Equal(10, local);
        Assert.Equal(30, local + remote);
    }

    [Fact]
    public void A_node_with_a_plain_route_and_a_placed_group_gets_one_forward_carrying_both()
    {
        TestProbe bProbe = CreateTestProbe();
        var table = new ClusterRouteTable();
        RemoteNode b = Node(2, bProbe);
        table.Add(b, new RouteKey("s/x"));
        table.Add(b, new RouteKey("s/+", "g"));
        new ClusterForwarder(table, new ClusterMetrics()).Forward(Message("s/x"), []);
        ForwardedMessage forward = bProbe.ExpectMsg<ForwardedMessage>();
        Assert.True(forward.Plain);
        Assert.Single(forward.Groups!);
        bProbe.ExpectNoMsg(TimeSpan.FromMilliseconds(100));
    }

    /// <summary>Where node <paramref name="self"/> (of nodes 1-3, each with members of g) places a message of <paramref name="publisher"/>.</summary>
    private int PlacedBy(int self, string publisher, string strategy)
    {
        var probes = new Dictionary<int, TestProbe>();
        var table = new ClusterRouteTable();
        foreach (int port in new[] { 1, 2, 3 }.Where(p => p != self))
        {
            probes[port] = CreateTestProbe();
            table.Add(Node(port, probes[port]), new RouteKey("s/+", "g"));
        }

        Core.Routing.Sharing.SharedStrategies.TryGet(strategy, out var chosen);
        string selfName = new Address("akka.tcp", "cluster-broker", "127.0.0.1", self).ToString();
        var forwarder = new ClusterForwarder(table, new ClusterMetrics(), chosen, selfName);
        var groups = new List<SharedGroup> { new("g", "s/+", chosen) };
        forwarder.Forward(new BrokerMessage { Topic = "s/x", PublisherId = publisher }, groups);
        if (groups.Count == 1)
        {
            return self;
        }

        AwaitCondition(() => probes.Values.Any(p => p.HasMessages));
        return Assert.Single(probes, kv => kv.Value.HasMessages).Key;
    }

    [Theory]
    [InlineData("hash_clientid")]
    [InlineData("sticky")]
    public void A_deterministic_strategy_places_a_message_on_the_same_node_whichever_node_publishes(string strategy)
    {
        var placements = new HashSet<int>();
        for (int p = 0; p < 12; p++)
        {
            string publisher = $"publisher-{p}";
            int[] byNode = [PlacedBy(1, publisher, strategy), PlacedBy(2, publisher, strategy), PlacedBy(3, publisher, strategy)];
            Assert.True(byNode.Distinct().Count() == 1, $"{publisher}: node 1 chose {byNode[0]}, node 2 chose {byNode[1]}, node 3 chose {byNode[2]}");
            placements.Add(byNode[0]);
        }

        Assert.Equal(strategy == "sticky" ? 1 : 3, placements.Count); // hashing spreads publishers, sticky keeps one node
    }

    [Fact]
    public void An_unreachable_node_gets_no_placements_while_another_node_has_members()
    {
        TestProbe bProbe = CreateTestProbe(), cProbe = CreateTestProbe();
        var table = new ClusterRouteTable();
        RemoteNode b = Node(2, bProbe), c = Node(3, cProbe);
        table.Add(b, new RouteKey("s/+", "g"));
        table.Add(c, new RouteKey("s/+", "g"));
        c.Reachable = false;
        var forwarder = new ClusterForwarder(table, new ClusterMetrics());
        for (int i = 0; i < 10; i++)
        {
            forwarder.Forward(Message("s/x"), []);
        }

        for (int i = 0; i < 10; i++)
        {
            bProbe.ExpectMsg<ForwardedMessage>();
        }

        cProbe.ExpectNoMsg(TimeSpan.FromMilliseconds(200));

        b.Reachable = false; // nobody reachable: placement goes on rather than dropping
        for (int i = 0; i < 10; i++)
        {
            forwarder.Forward(Message("s/x"), []);
        }

        AwaitCondition(() => bProbe.HasMessages && cProbe.HasMessages);
    }
}
