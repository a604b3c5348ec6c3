using ClusterBroker.Core.Tests.Infrastructure;
using ClusterBroker.Protocol;
using ClusterBroker.Protocol.Packets;

namespace ClusterBroker.Core.Tests;

public class Shared_Subscription_Tests
{
    [Theory]
    [InlineData("$share/g/t")]
    [InlineData("$queue/t")]
    public void Each_message_goes_to_exactly_one_member_round_robin(string filter)
    {
        var broker = new TestBroker();
        TestClient a = broker.Connect("a");
        TestClient b = broker.Connect("b");
        a.Subscribe(filter);
        b.Subscribe(filter);
        TestClient pub = broker.Connect("pub");
        for (int i = 0; i < 10; i++)
        {
            pub.Publish("t", i.ToString());
        }

        Assert.Equal(5, a.Received.Length);
        Assert.Equal(5, b.Received.Length);
        Assert.Equal(Enumerable.Range(0, 10).Select(i => i.ToString()), a.ReceivedPayloads.Concat(b.ReceivedPayloads).OrderBy(int.Parse));
    }

    [Fact]
    public void Different_groups_each_get_a_copy_and_plain_subscribers_too()
    {
        var broker = new TestBroker();
        TestClient g1 = broker.Connect("g1");
        g1.Subscribe("$share/one/t");
        TestClient g2 = broker.Connect("g2");
        g2.Subscribe("$share/two/t");
        TestClient plain = broker.Connect("plain");
        plain.Subscribe("t");
        broker.Connect("pub").Publish("t", "x");
        Assert.Single(g1.Received);
        Assert.Single(g2.Received);
        Assert.Single(plain.Received);
    }

    [Fact]
    public void Unacknowledged_messages_of_a_member_that_leaves_go_to_another_member()
    {
        var broker = new TestBroker();
        TestClient a = broker.Connect("a");
        a.Subscribe("$share/g/t", QualityOfService.AtLeastOnce);
        TestClient pub = broker.Connect("pub");
        pub.Publish("t", "1", QualityOfService.AtLeastOnce);
        Assert.Single(a.Received);

        TestClient b = broker.Connect("b");
        b.Subscribe("$share/g/t", QualityOfService.AtLeastOnce);
        a.Drop();
        Assert.Equal(new[] { "1" }, b.ReceivedPayloads);
    }

    [Fact]
    public void Unacknowledged_messages_of_the_last_member_stay_in_its_session_and_are_resent_on_return()
    {
        var broker = new TestBroker();
        TestClient a = broker.Connect("a", ProtocolVersion.V311, clean: false);
        a.Subscribe("$share/g/t", QualityOfService.AtLeastOnce);
        broker.Connect("pub").Publish("t", "1", QualityOfService.AtLeastOnce);
        Assert.Single(a.Received);
        a.Drop();

        TestClient back = broker.Connect("a", ProtocolVersion.V311, clean: false);
        PublishPacket again = Assert.Single(back.Received);
        Assert.Equal("1", System.Text.Encoding.UTF8.GetString(again.Payload.Span));
        Assert.True(again.Dup);
    }

    [Fact]
    public void No_Local_on_a_shared_subscription_is_a_protocol_error_MQTT_3_8_3_4()
    {
        var broker = new TestBroker();
        TestClient a = broker.Connect("a");
        a.Send(new SubscribePacket { PacketId = 1, Subscriptions = [new TopicSubscription { Filter = "$share/g/t", NoLocal = true }] });
        Assert.Equal(ReasonCode.ProtocolError, a.ServerDisconnect!.ReasonCode);
    }

    [Fact]
    public void Shared_subscriptions_disabled_are_refused_with_0x9E()
    {
        var broker = new TestBroker(o => o.SharedSubscriptionAvailable = false);
        TestClient a = broker.Connect("a");
        Assert.Equal(ReasonCode.SharedSubscriptionsNotSupported, Assert.Single(a.Subscribe("$share/g/t").ReasonCodes));
    }

    [Fact]
    public void Unsubscribing_the_last_member_removes_the_group()
    {
        var broker = new TestBroker();
        TestClient a = broker.Connect("a");
        a.Subscribe("$share/g/t");
        a.Send(new UnsubscribePacket { PacketId = 5, Filters = ["$share/g/t"] });
        Assert.Equal(ReasonCode.Success, Assert.Single(a.Connection.Last<UnsubAckPacket>().ReasonCodes!));
        Assert.Equal(0, broker.Context.Router.SubscriptionCount);
        broker.Connect("pub").Publish("t", "x");
        Assert.Empty(a.Received);
    }
}
