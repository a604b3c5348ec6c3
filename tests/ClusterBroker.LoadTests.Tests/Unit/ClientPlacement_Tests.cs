using ClusterBroker.LoadTests.Configuration;
using ClusterBroker.LoadTests.Scenarios;

namespace ClusterBroker.LoadTests.Tests.Unit;

public sealed class ClientPlacement_Tests
{
    private static RunSettings Settings(int brokers, int pairs, bool? crossNode = null) => new()
    {
        Brokers = [.. Enumerable.Range(0, brokers).Select(i => new BrokerEndpoint("127.0.0.1", 1883 + i))],
        Clients = pairs,
        CrossNode = crossNode,
    };

    [Theory]
    [InlineData(2, 200)]
    [InlineData(3, 300)] // a multiple of the node count: plain round robin over all clients put each pair on ONE node
    [InlineData(3, 500)]
    [InlineData(3, 20)]
    [InlineData(4, 7)]
    public void Cross_node_p2p_puts_each_pairs_publisher_and_subscriber_on_different_nodes(int brokers, int pairs)
    {
        var topology = PointToPointScenario.Topology(Settings(brokers, pairs), "run", "cblt/run");

        Assert.Equal(pairs, topology.Publishers.Count);
        for (var i = 0; i < pairs; i++)
        {
            Assert.Equal(topology.Subscribers[i].Filter, topology.Publishers[i].Topic);
            Assert.NotNull(topology.Publishers[i].Broker);
            Assert.NotNull(topology.Subscribers[i].Broker);
            Assert.NotEqual(topology.Publishers[i].Broker, topology.Subscribers[i].Broker);
            Assert.InRange(topology.Publishers[i].Broker!.Value, 0, brokers - 1);
        }
    }

    [Fact]
    public void Cross_node_p2p_on_three_nodes_loads_every_direction_and_every_node_equally()
    {
        var topology = PointToPointScenario.Topology(Settings(3, 600), "run", "cblt/run");

        var directions = topology.Publishers.Zip(topology.Subscribers, (p, s) => (p.Broker!.Value, s.Broker!.Value))
            .GroupBy(d => d).ToDictionary(g => g.Key, g => g.Count());
        Assert.Equal(6, directions.Count);
        Assert.All(directions.Values, count => Assert.Equal(100, count));
        Assert.All(topology.Publishers.GroupBy(p => p.Broker), g => Assert.Equal(200, g.Count()));
        Assert.All(topology.Subscribers.GroupBy(s => s.Broker), g => Assert.Equal(200, g.Count()));
    }

    [Fact]
    public void Cross_node_is_the_default_with_several_brokers_and_same_node_is_available_on_request()
    {
        var sameNode = PointToPointScenario.Topology(Settings(3, 30, crossNode: false), "run", "cblt/run");
        var single = PointToPointScenario.Topology(Settings(1, 30), "run", "cblt/run");

        Assert.True(ClientPlacement.CrossNode(Settings(3, 30)));
        Assert.False(ClientPlacement.CrossNode(Settings(1, 30)));
        Assert.All(Enumerable.Range(0, 30), i => Assert.Equal(sameNode.Subscribers[i].Broker, sameNode.Publishers[i].Broker));
        Assert.Equal(3, sameNode.Subscribers.Select(s => s.Broker).Distinct().Count());
        Assert.All(single.Publishers, p => Assert.Equal(0, p.Broker));
        Assert.All(single.Subscribers, s => Assert.Equal(0, s.Broker));
        Assert.Throws<ArgumentException>(() => PointToPointScenario.Topology(Settings(1, 30, crossNode: true), "run", "cblt/run"));
    }

    [Fact]
    public void Other_scenarios_spread_publishers_and_subscribers_round_robin_each_from_the_first_node()
    {
        Assert.Equal([0, 1, 2, 0, 1], Enumerable.Range(0, 5).Select(i => ClientPlacement.RoundRobin(i, 3)));
        Assert.Equal(0, ClientPlacement.RoundRobin(7, 1));
    }
}
