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
}
