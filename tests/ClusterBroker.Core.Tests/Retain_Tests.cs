using ClusterBroker.Core.Messages;
using ClusterBroker.Core.Tests.Infrastructure;
using ClusterBroker.Protocol;
using ClusterBroker.Protocol.Packets;

namespace ClusterBroker.Core.Tests;

public class Retain_Tests
{
    [Fact]
    public void A_retained_message_is_delivered_on_subscribe_with_RETAIN_set_MQTT_3_3_1_8()
    {
        var broker = new TestBroker();
        broker.Connect("pub").Publish("a/b", "r", QualityOfService.AtLeastOnce, retain: true);
        TestClient sub = broker.Connect("sub");
        sub.Subscribe("a/+", QualityOfService.AtMostOnce);
        PublishPacket received = Assert.Single(sub.Received);
        Assert.True(received.Retain);
        Assert.Equal(QualityOfService.AtMostOnce, received.QoS);
    }

    [Fact]
    public void A_retained_message_is_replaced_and_deleted_by_an_empty_payload()
    {
        var broker = new TestBroker();
        TestClient pub = broker.Connect("pub");
        pub.Publish("t", "1", retain: true);
        pub.Publish("t", "2", retain: true);
        Assert.Equal(1, broker.Context.Retained.Count);
        Assert.Equal(new[] { "2" }, Subscribe(broker, "s1", "t").ReceivedPayloads);

        pub.Publish("t", "", retain: true);
        Assert.Equal(0, broker.Context.Retained.Count);
        Assert.Empty(Subscribe(broker, "s2", "t").Received);
    }

    [Fact]
    public void Retain_Handling_1_sends_only_for_a_new_subscription_and_2_never()
    {
        var broker = new TestBroker();
        broker.Connect("pub").Publish("t", "r", retain: true);
        TestClient sub = broker.Connect("sub");
        sub.Subscribe("t", retainHandling: RetainHandling.SendAtSubscribeIfNew);
        sub.Subscribe("t", retainHandling: RetainHandling.SendAtSubscribeIfNew);
        Assert.Single(sub.Received);

        TestClient never = broker.Connect("never");
        never.Subscribe("t", retainHandling: RetainHandling.DoNotSend);
        Assert.Empty(never.Received);

        TestClient always = broker.Connect("always");
        always.Subscribe("t");
        always.Subscribe("t");
        Assert.Equal(2, always.Received.Length);
    }

    [Fact]
    public void Wildcard_filters_find_retained_messages_but_not_dollar_topics()
    {
        var broker = new TestBroker();
        TestClient pub = broker.Connect("pub");
        pub.Publish("a/b/c", "1", retain: true);
        pub.Publish("a/x", "2", retain: true);
        broker.Context.Publish(new BrokerMessage { Topic = "$SYS/y", Payload = "3"u8.ToArray(), Retain = true }); // clients may not publish to '$' topics
        Assert.Equal(new[] { "1", "2" }, Subscribe(broker, "s1", "#").ReceivedPayloads.OrderBy(x => x));
        Assert.Equal(new[] { "1" }, Subscribe(broker, "s2", "a/+/c").ReceivedPayloads);
        Assert.Equal(new[] { "3" }, Subscribe(broker, "s3", "$SYS/#").ReceivedPayloads);
    }

    [Fact]
    public void Retained_messages_are_not_sent_for_shared_subscriptions()
    {
        var broker = new TestBroker();
        broker.Connect("pub").Publish("t", "r", retain: true);
        Assert.Empty(Subscribe(broker, "s", "$share/g/t").Received);
    }

    [Fact]
    public void Retain_unavailable_refuses_a_retained_PUBLISH_with_0x9A()
    {
        var broker = new TestBroker(o => o.RetainAvailable = false);
        TestClient pub = broker.Connect("pub");
        pub.Publish("t", "r", retain: true);
        Assert.Equal(ReasonCode.RetainNotSupported, pub.ServerDisconnect!.ReasonCode);
    }

    private static TestClient Subscribe(TestBroker broker, string clientId, string filter)
    {
        TestClient sub = broker.Connect(clientId);
        sub.Subscribe(filter);
        return sub;
    }
}
