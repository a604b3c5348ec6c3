using ClusterBroker.Core.Messages;
using ClusterBroker.Core.Tests.Infrastructure;
using ClusterBroker.Protocol;
using ClusterBroker.Protocol.Packets;

namespace ClusterBroker.Core.Tests;

public class Publish_Subscribe_Tests
{
    [Theory]
    [InlineData("a/+/c", "a/b/c", true)]
    [InlineData("a/#", "a", true)]
    [InlineData("a/#", "a/b/c", true)]
    [InlineData("#", "$SYS/x", false)]
    [InlineData("+/x", "$SYS/x", false)]
    [InlineData("$SYS/#", "$SYS/broker/uptime", true)]
    [InlineData("a/+", "a/b/c", false)]
    public void Wildcards_and_dollar_topics_match_per_the_spec(string filter, string topic, bool delivered)
    {
        var broker = new TestBroker();
        TestClient sub = broker.Connect("sub");
        sub.Subscribe(filter);
        if (topic.StartsWith('$'))
        {
            // no client may publish to a '$' topic: the broker publishes them (as it does $SYS)
            broker.Context.Publish(new BrokerMessage { Topic = topic, Payload = "x"u8.ToArray() });
        }
        else
        {
            broker.Connect("pub").Publish(topic, "x");
        }

        Assert.Equal(delivered ? 1 : 0, sub.Received.Length);
    }

    [Fact]
    public void QoS_is_downgraded_to_the_granted_QoS()
    {
        var broker = new TestBroker();
        TestClient sub = broker.Connect("sub");
        sub.Subscribe("t", QualityOfService.AtLeastOnce);
        TestClient pub = broker.Connect("pub");
        pub.Publish("t", "x", QualityOfService.ExactlyOnce);
        Assert.Equal(QualityOfService.AtLeastOnce, Assert.Single(sub.Received).QoS);
    }

    [Fact]
    public void Subscriptions_are_granted_at_most_the_server_Maximum_QoS()
    {
        var broker = new TestBroker(o => o.MaximumQoS = QualityOfService.AtLeastOnce);
        TestClient sub = broker.Connect("sub", ProtocolVersion.V311);
        Assert.Equal(ReasonCode.GrantedQoS1, Assert.Single(sub.Subscribe("t", QualityOfService.ExactlyOnce).ReasonCodes));
    }

    [Fact]
    public void Overlapping_subscriptions_in_3_1_1_deliver_one_copy_at_the_highest_QoS()
    {
        var broker = new TestBroker();
        TestClient sub = broker.Connect("sub", ProtocolVersion.V311);
        sub.Subscribe("a/#", QualityOfService.AtMostOnce);
        sub.Subscribe("a/+", QualityOfService.ExactlyOnce);
        sub.Subscribe("a/b", QualityOfService.AtLeastOnce);
        TestClient pub = broker.Connect("pub", ProtocolVersion.V311);
        pub.Publish("a/b", "x", QualityOfService.ExactlyOnce);
        Assert.Equal(QualityOfService.ExactlyOnce, Assert.Single(sub.Received).QoS);
    }

    [Fact]
    public void Overlapping_subscriptions_in_5_0_deliver_one_copy_with_every_subscription_identifier_MQTT_3_3_4_3()
    {
        var broker = new TestBroker();
        TestClient sub = broker.Connect("sub");
        sub.Subscribe("a/#", QualityOfService.AtMostOnce, identifier: 1);
        sub.Subscribe("a/+", QualityOfService.AtLeastOnce, identifier: 2);
        sub.Subscribe("a/b", QualityOfService.AtMostOnce);
        TestClient pub = broker.Connect("pub");
        pub.Publish("a/b", "x", QualityOfService.AtLeastOnce);
        PublishPacket received = Assert.Single(sub.Received);
        Assert.Equal(QualityOfService.AtLeastOnce, received.QoS);
        Assert.Equal(new uint[] { 1, 2 }, received.SubscriptionIdentifiers!.OrderBy(x => x));
    }

    [Fact]
    public void No_Local_keeps_a_client_from_receiving_its_own_messages_MQTT_3_8_3_3()
    {
        var broker = new TestBroker();
        TestClient client = broker.Connect("me");
        client.Subscribe("t", noLocal: true);
        client.Publish("t", "x");
        Assert.Empty(client.Received);

        TestClient other = broker.Connect("other");
        other.Publish("t", "y");
        Assert.Single(client.Received);
    }

    [Fact]
    public void Retain_As_Published_keeps_the_RETAIN_flag_otherwise_it_is_cleared_MQTT_3_3_1_12()
    {
        var broker = new TestBroker();
        TestClient keep = broker.Connect("keep");
        keep.Subscribe("t", retainAsPublished: true);
        TestClient clear = broker.Connect("clear");
        clear.Subscribe("t");
        TestClient pub = broker.Connect("pub");
        pub.Publish("t", "x", retain: true);
        Assert.True(keep.Received.Last().Retain);
        Assert.False(clear.Received.Last().Retain);
    }

    [Fact]
    public void Unsubscribe_stops_delivery_and_reports_reason_codes_in_5_0()
    {
        var broker = new TestBroker();
        TestClient sub = broker.Connect("sub");
        sub.Subscribe("t");
        sub.Send(new UnsubscribePacket { PacketId = 9, Filters = ["t", "never", "bad/#/x"] });
        UnsubAckPacket ack = sub.Connection.Last<UnsubAckPacket>();
        Assert.Equal(new[] { ReasonCode.Success, ReasonCode.NoSubscriptionExisted, ReasonCode.TopicFilterInvalid }, ack.ReasonCodes);
        broker.Connect("pub").Publish("t", "x");
        Assert.Empty(sub.Received);
        Assert.Equal(0, broker.Context.Router.SubscriptionCount);
    }

    [Fact]
    public void SUBACK_reports_invalid_filters_per_filter()
    {
        var broker = new TestBroker();
        TestClient sub = broker.Connect("sub");
        sub.Send(new SubscribePacket
        {
            PacketId = 3,
            Subscriptions = [new TopicSubscription { Filter = "ok", MaximumQoS = QualityOfService.AtLeastOnce }, new TopicSubscription { Filter = "a/#/b" }, new TopicSubscription { Filter = "$share/g" }],
        });
        Assert.Equal(new[] { ReasonCode.GrantedQoS1, ReasonCode.TopicFilterInvalid, ReasonCode.TopicFilterInvalid }, sub.Connection.Last<SubAckPacket>().ReasonCodes);
    }

    [Fact]
    public void A_wildcard_in_a_PUBLISH_topic_closes_the_connection_with_0x90_MQTT_3_3_2_2()
    {
        var broker = new TestBroker();
        TestClient pub = broker.Connect("pub");
        pub.Publish("a/+", "x");
        Assert.Equal(ReasonCode.TopicNameInvalid, pub.ServerDisconnect!.ReasonCode);
        Assert.True(pub.Connection.Closed);
    }

    [Fact]
    public void Messages_on_one_topic_arrive_in_publish_order_MQTT_4_6_0()
    {
        var broker = new TestBroker(o => o.MaxInflightMessages = 3);
        TestClient sub = broker.Connect("sub");
        sub.Subscribe("t", QualityOfService.AtLeastOnce);
        TestClient pub = broker.Connect("pub");
        for (int i = 0; i < 10; i++)
        {
            pub.Publish("t", i.ToString(), QualityOfService.AtLeastOnce);
        }

        for (int round = 0; round < 5; round++)
        {
            sub.AckAll();
        }

        Assert.Equal(Enumerable.Range(0, 10).Select(i => i.ToString()), sub.ReceivedPayloads);
    }

    [Fact]
    public void Version_5_properties_are_forwarded_unchanged()
    {
        var broker = new TestBroker();
        TestClient sub = broker.Connect("sub");
        sub.Subscribe("t");
        TestClient pub = broker.Connect("pub");
        pub.Publish("t", "x", customize: p => p with
        {
            ContentType = "text/plain",
            PayloadFormatIndicator = 1,
            ResponseTopic = "reply",
            CorrelationData = new byte[] { 1, 2 },
            UserProperties = [new UserProperty("k", "v"), new UserProperty("k", "w")],
        });
        PublishPacket received = Assert.Single(sub.Received);
        Assert.Equal("text/plain", received.ContentType);
        Assert.Equal((byte)1, received.PayloadFormatIndicator);
        Assert.Equal("reply", received.ResponseTopic);
        Assert.Equal(new byte[] { 1, 2 }, received.CorrelationData!.Value.ToArray());
        Assert.Equal(new[] { new UserProperty("k", "v"), new UserProperty("k", "w") }, received.UserProperties);
    }

    [Fact]
    public void PUBACK_in_5_0_says_when_no_subscriber_matched()
    {
        var broker = new TestBroker();
        TestClient pub = broker.Connect("pub");
        pub.Publish("nobody", "x", QualityOfService.AtLeastOnce);
        Assert.Equal(ReasonCode.NoMatchingSubscribers, pub.Connection.Last<PubAckPacket>().ReasonCode);
    }

    [Fact]
    public void Subscriptions_beyond_the_per_client_limit_get_quota_exceeded()
    {
        var broker = new TestBroker(o => o.MaxSubscriptionsPerClient = 2);
        TestClient sub = broker.Connect("sub");
        sub.Subscribe("a");
        sub.Subscribe("b");
        Assert.Equal(ReasonCode.QuotaExceeded, Assert.Single(sub.Subscribe("c").ReasonCodes));
        Assert.Equal(ReasonCode.GrantedQoS2, Assert.Single(sub.Subscribe("a").ReasonCodes));
    }

    [Fact]
    public void Topics_beyond_the_configured_length_or_levels_are_rejected()
    {
        var broker = new TestBroker(o =>
        {
            o.MaxTopicLevels = 3;
            o.MaxTopicLength = 10;
        });
        TestClient sub = broker.Connect("sub");
        Assert.Equal(ReasonCode.TopicFilterInvalid, Assert.Single(sub.Subscribe("a/b/c/d").ReasonCodes));
        TestClient pub = broker.Connect("pub");
        pub.Publish("abcdefghijk", "x");
        Assert.Equal(ReasonCode.TopicNameInvalid, pub.ServerDisconnect!.ReasonCode);
    }
}
