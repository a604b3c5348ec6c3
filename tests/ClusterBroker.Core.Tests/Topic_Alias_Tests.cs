using ClusterBroker.Core.Tests.Infrastructure;
using ClusterBroker.Protocol;

namespace ClusterBroker.Core.Tests;

public class Topic_Alias_Tests
{
    [Fact]
    public void A_topic_alias_set_by_the_client_stands_for_its_topic_afterwards()
    {
        var broker = new TestBroker();
        TestClient sub = broker.Connect("sub");
        sub.Subscribe("long/topic/name");
        TestClient pub = broker.Connect("pub");
        pub.Publish("long/topic/name", "1", customize: p => p with { TopicAlias = 3 });
        pub.Publish("", "2", customize: p => p with { TopicAlias = 3 });
        Assert.Equal(new[] { "long/topic/name", "long/topic/name" }, sub.Received.Select(p => p.Topic));
        Assert.All(sub.Received, p => Assert.Null(p.TopicAlias));
    }

    [Fact]
    public void An_alias_above_Topic_Alias_Maximum_closes_with_0x94_MQTT_3_3_2_10()
    {
        var broker = new TestBroker(o => o.TopicAliasMaximum = 2);
        TestClient pub = broker.Connect("pub");
        pub.Publish("t", "x", customize: p => p with { TopicAlias = 3 });
        Assert.Equal(ReasonCode.TopicAliasInvalid, pub.ServerDisconnect!.ReasonCode);
    }

    [Fact]
    public void An_alias_of_0_closes_with_0x94()
    {
        var broker = new TestBroker();
        TestClient pub = broker.Connect("pub");
        pub.Publish("t", "x", customize: p => p with { TopicAlias = 0 });
        Assert.Equal(ReasonCode.TopicAliasInvalid, pub.ServerDisconnect!.ReasonCode);
    }

    [Fact]
    public void An_alias_used_before_it_was_set_is_a_protocol_error()
    {
        var broker = new TestBroker();
        TestClient pub = broker.Connect("pub");
        pub.Publish("", "x", customize: p => p with { TopicAlias = 1 });
        Assert.Equal(ReasonCode.ProtocolError, pub.ServerDisconnect!.ReasonCode);
    }

    [Fact]
    public void Topic_aliases_disabled_means_any_alias_is_invalid()
    {
        var broker = new TestBroker(o => o.TopicAliasMaximum = 0);
        TestClient pub = broker.Connect("pub");
        Assert.Null(pub.Connection.Last<ClusterBroker.Protocol.Packets.ConnAckPacket>().TopicAliasMaximum);
        pub.Publish("t", "x", customize: p => p with { TopicAlias = 1 });
        Assert.Equal(ReasonCode.TopicAliasInvalid, pub.ServerDisconnect!.ReasonCode);
    }
}
