using ClusterBroker.Core.Tests.Infrastructure;
using ClusterBroker.Protocol;
using ClusterBroker.Protocol.Packets;

namespace ClusterBroker.Core.Tests;

public class Session_Tests
{
    [Fact]
    public void A_persistent_3_1_1_session_keeps_subscriptions_and_queues_QoS_1_and_2_in_order_while_away()
    {
        var broker = new TestBroker();
        TestClient sub = broker.Connect("sub", ProtocolVersion.V311, clean: false);
        sub.Subscribe("t", QualityOfService.ExactlyOnce);
        sub.Drop();

        TestClient pub = broker.Connect("pub", ProtocolVersion.V311);
        pub.Publish("t", "1", QualityOfService.AtLeastOnce);
        pub.Publish("t", "q0", QualityOfService.AtMostOnce);
        pub.Publish("t", "2", QualityOfService.ExactlyOnce);

        TestClient back = broker.Connect("sub", ProtocolVersion.V311, clean: false);
        Assert.True(back.Connection.Last<ConnAckPacket>().SessionPresent);
        Assert.Equal(new[] { "1", "2" }, back.ReceivedPayloads);

        pub.Publish("t", "3");
        Assert.Equal("3", back.ReceivedPayloads.Last());
    }

    [Fact]
    public void Clean_session_discards_the_previous_session_and_Session_Present_is_0()
    {
        var broker = new TestBroker();
        TestClient sub = broker.Connect("sub", ProtocolVersion.V311, clean: false);
        sub.Subscribe("t");
        sub.Drop();

        TestClient clean = broker.Connect("sub", ProtocolVersion.V311, clean: true);
        Assert.False(clean.Connection.Last<ConnAckPacket>().SessionPresent);
        broker.Connect("pub").Publish("t", "x");
        Assert.Empty(clean.Received);
    }

    [Fact]
    public void A_clean_session_leaves_nothing_behind_when_it_disconnects()
    {
        var broker = new TestBroker();
        TestClient sub = broker.Connect("sub", ProtocolVersion.V311, clean: true);
        sub.Subscribe("t");
        sub.Send(DisconnectPacket.Normal);
        Assert.Equal(0, broker.Context.Router.SessionCount);
        Assert.Equal(0, broker.Context.Router.SubscriptionCount);
        Assert.Null(broker.Sessions.Find("sub"));
    }

    [Fact]
    public void Unacknowledged_messages_are_sent_again_with_DUP_on_reconnect_MQTT_4_4_0_1()
    {
        var broker = new TestBroker();
        TestClient sub = broker.Connect("sub", ProtocolVersion.V500, clean: false, c => c with { SessionExpiryInterval = 60 });
        sub.Subscribe("t", QualityOfService.ExactlyOnce);
        TestClient pub = broker.Connect("pub");
        pub.Publish("t", "one", QualityOfService.AtLeastOnce);
        pub.Publish("t", "two", QualityOfService.ExactlyOnce);
        PublishPacket[] first = sub.Received;
        sub.Send(new PubRecPacket { PacketId = first[1].PacketId }); // QoS 2 reached PUBREL stage
        sub.Drop();

        TestClient back = broker.Connect("sub", ProtocolVersion.V500, clean: false, c => c with { SessionExpiryInterval = 60 });
        PublishPacket again = Assert.Single(back.Received);
        Assert.True(again.Dup);
        Assert.Equal(first[0].PacketId, again.PacketId);
        Assert.Equal(first[1].PacketId, back.Connection.Last<PubRelPacket>().PacketId);
    }

    [Fact]
    public void The_session_expires_after_its_interval_and_releases_its_memory()
    {
        var broker = new TestBroker();
        TestClient sub = broker.Connect("sub", ProtocolVersion.V500, clean: false, c => c with { SessionExpiryInterval = 10 });
        sub.Subscribe("t", QualityOfService.AtLeastOnce);
        sub.Drop();
        broker.Connect("pub").Publish("t", "x", QualityOfService.AtLeastOnce);
        Assert.Equal(1, broker.Sessions.Find("sub")!.QueuedCount);

        broker.Time.Advance(TimeSpan.FromSeconds(11));
        broker.Sessions.RunTimers();
        Assert.Null(broker.Sessions.Find("sub"));
        Assert.False(broker.Context.Router.TryGetEndpoint("sub", out _));
        Assert.Equal(0, broker.Context.Router.SubscriptionCount);

        TestClient back = broker.Connect("sub", ProtocolVersion.V500, clean: false);
        Assert.False(back.Connection.Last<ConnAckPacket>().SessionPresent);
    }

    [Fact]
    public void A_session_expiry_interval_set_at_DISCONNECT_replaces_the_one_from_CONNECT()
    {
        var broker = new TestBroker();
        TestClient sub = broker.Connect("sub", ProtocolVersion.V500, clean: false, c => c with { SessionExpiryInterval = 10 });
        sub.Send(new DisconnectPacket { SessionExpiryInterval = 0 });
        Assert.Null(broker.Sessions.Find("sub"));
    }

    [Fact]
    public void Setting_a_session_expiry_at_DISCONNECT_after_CONNECT_had_0_is_a_protocol_error_MQTT_3_14_2_2()
    {
        var broker = new TestBroker();
        TestClient client = broker.Connect("c");
        client.Send(new DisconnectPacket { SessionExpiryInterval = 30 });
        Assert.Equal(ReasonCode.ProtocolError, client.ServerDisconnect!.ReasonCode);
        Assert.True(client.Connection.Closed);
    }

    [Fact]
    public void A_second_connection_with_the_same_client_id_takes_the_session_over_with_0x8E()
    {
        var broker = new TestBroker();
        TestClient first = broker.Connect("dup", ProtocolVersion.V500, clean: false, c => c with { SessionExpiryInterval = 60 });
        first.Subscribe("t", QualityOfService.AtLeastOnce);

        TestClient second = broker.Connect("dup", ProtocolVersion.V500, clean: false, c => c with { SessionExpiryInterval = 60 });
        Assert.Equal(ReasonCode.SessionTakenOver, first.ServerDisconnect!.ReasonCode);
        Assert.True(first.Connection.Closed);
        Assert.True(second.Connection.Last<ConnAckPacket>().SessionPresent);

        broker.Connect("pub").Publish("t", "x", QualityOfService.AtLeastOnce);
        Assert.Single(second.Received);
        Assert.Empty(first.Received);
    }

    [Fact]
    public void The_offline_queue_is_bounded_and_drops_the_oldest_by_default_with_a_log_line()
    {
        var broker = new TestBroker(o => o.MaxQueuedMessagesPerSession = 3);
        TestClient sub = broker.Connect("sub", ProtocolVersion.V311, clean: false);
        sub.Subscribe("t", QualityOfService.AtLeastOnce);
        sub.Drop();
        TestClient pub = broker.Connect("pub");
        for (int i = 1; i <= 5; i++)
        {
            pub.Publish("t", i.ToString(), QualityOfService.AtLeastOnce);
        }

        Assert.Equal(2, broker.Sessions.Find("sub")!.DroppedMessages);
        Assert.Contains(broker.Logs.Entries, e => e.Message.Contains("queue of client sub is full"));
        TestClient back = broker.Connect("sub", ProtocolVersion.V311, clean: false);
        Assert.Equal(new[] { "3", "4", "5" }, back.ReceivedPayloads);
    }

    [Fact]
    public void The_drop_newest_policy_keeps_the_queue_as_it_is()
    {
        var broker = new TestBroker(o =>
        {
            o.MaxQueuedMessagesPerSession = 2;
            o.QueueDropPolicy = QueueDropPolicy.DropNewest;
        });
        TestClient sub = broker.Connect("sub", ProtocolVersion.V311, clean: false);
        sub.Subscribe("t", QualityOfService.AtLeastOnce);
        sub.Drop();
        TestClient pub = broker.Connect("pub");
        for (int i = 1; i <= 4; i++)
        {
            pub.Publish("t", i.ToString(), QualityOfService.AtLeastOnce);
        }

        TestClient back = broker.Connect("sub", ProtocolVersion.V311, clean: false);
        Assert.Equal(new[] { "1", "2" }, back.ReceivedPayloads);
    }

    [Fact]
    public void Takeover_of_a_clean_session_closes_the_older_connection_and_starts_empty()
    {
        var broker = new TestBroker();
        TestClient first = broker.Connect("dup", ProtocolVersion.V500, clean: true);
        first.Subscribe("t");
        TestClient second = broker.Connect("dup", ProtocolVersion.V500, clean: false);
        Assert.Equal(ReasonCode.SessionTakenOver, first.ServerDisconnect!.ReasonCode);
        Assert.False(second.Connection.Last<ConnAckPacket>().SessionPresent);
        broker.Connect("pub").Publish("t", "x");
        Assert.Empty(second.Received);
        second.Subscribe("t");
        broker.Connect("pub2").Publish("t", "y");
        Assert.Single(second.Received);
    }

    [Fact]
    public void An_ephemeral_session_keeps_nothing_in_its_owner_while_online()
    {
        var broker = new TestBroker();
        broker.Connect("e", ProtocolVersion.V311, clean: true);
        Assert.Null(broker.Sessions.Find("e"));
        Assert.Equal(1, broker.Context.Connections.Count);
    }

    [Fact]
    public void QoS_0_messages_for_an_offline_session_are_dropped_by_default()
    {
        var broker = new TestBroker();
        TestClient sub = broker.Connect("sub", ProtocolVersion.V311, clean: false);
        sub.Subscribe("t", QualityOfService.AtMostOnce);
        sub.Drop();
        broker.Connect("pub").Publish("t", "q0");
        TestClient back = broker.Connect("sub", ProtocolVersion.V311, clean: false);
        Assert.Empty(back.Received);
    }

    [Fact]
    public void With_QueueQoS0Messages_QoS_0_messages_wait_in_order_with_the_others_for_a_persistent_session()
    {
        var broker = new TestBroker(o => o.QueueQoS0Messages = true);
        TestClient sub = broker.Connect("sub", ProtocolVersion.V311, clean: false);
        sub.Subscribe("t", QualityOfService.AtLeastOnce);
        sub.Drop();
        TestClient pub = broker.Connect("pub");
        pub.Publish("t", "1", QualityOfService.AtLeastOnce);
        pub.Publish("t", "q0", QualityOfService.AtMostOnce);
        pub.Publish("t", "2", QualityOfService.AtLeastOnce);

        TestClient back = broker.Connect("sub", ProtocolVersion.V311, clean: false);
        Assert.Equal(["1", "q0", "2"], back.ReceivedPayloads);
        Assert.Equal(QualityOfService.AtMostOnce, back.Received[1].QoS);
    }

    [Fact]
    public void Queued_QoS_0_messages_count_against_the_session_queue_limit()
    {
        var broker = new TestBroker(o =>
        {
            o.QueueQoS0Messages = true;
            o.MaxQueuedMessagesPerSession = 2;
        });
        TestClient sub = broker.Connect("sub", ProtocolVersion.V311, clean: false);
        sub.Subscribe("t", QualityOfService.AtLeastOnce);
        sub.Drop();
        TestClient pub = broker.Connect("pub");
        pub.Publish("t", "a");
        pub.Publish("t", "b", QualityOfService.AtLeastOnce);
        pub.Publish("t", "c");

        Assert.Equal(1, broker.Sessions.Find("sub")!.DroppedMessages);
        TestClient back = broker.Connect("sub", ProtocolVersion.V311, clean: false);
        Assert.Equal(["b", "c"], back.ReceivedPayloads);
    }

    [Fact]
    public void With_QueueQoS0Messages_a_clean_session_still_queues_nothing()
    {
        var broker = new TestBroker(o => o.QueueQoS0Messages = true);
        TestClient sub = broker.Connect("sub", ProtocolVersion.V311, clean: true);
        sub.Subscribe("t", QualityOfService.AtMostOnce);
        sub.Drop();
        broker.Connect("pub").Publish("t", "q0");
        Assert.Null(broker.Sessions.Find("sub"));
    }
}
