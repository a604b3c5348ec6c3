using ClusterBroker.Core.Tests.Infrastructure;
using ClusterBroker.Protocol;
using ClusterBroker.Protocol.Packets;

namespace ClusterBroker.Core.Tests;

public class Flow_Control_Tests
{
    [Fact]
    public void The_broker_never_has_more_unacknowledged_messages_to_a_client_than_its_Receive_Maximum_MQTT_3_3_4_7()
    {
        var broker = new TestBroker();
        TestClient sub = broker.Connect("sub", customize: c => c with { ReceiveMaximum = 2 });
        sub.Subscribe("t", QualityOfService.AtLeastOnce);
        TestClient pub = broker.Connect("pub");
        for (int i = 0; i < 5; i++)
        {
            pub.Publish("t", i.ToString(), QualityOfService.AtLeastOnce);
        }

        Assert.Equal(2, sub.Received.Length);
        sub.Send(new PubAckPacket { PacketId = sub.Received[0].PacketId });
        Assert.Equal(3, sub.Received.Length);
        sub.AckAll();
        sub.AckAll();
        Assert.Equal(new[] { "0", "1", "2", "3", "4" }, sub.ReceivedPayloads);
    }

    [Fact]
    public void A_QoS_0_message_does_not_overtake_QoS_1_messages_waiting_for_the_window_on_the_same_topic()
    {
        var broker = new TestBroker();
        TestClient sub = broker.Connect("sub", customize: c => c with { ReceiveMaximum = 1 });
        sub.Subscribe("t", QualityOfService.AtLeastOnce);
        TestClient pub = broker.Connect("pub");
        pub.Publish("t", "1", QualityOfService.AtLeastOnce);
        pub.Publish("t", "2", QualityOfService.AtLeastOnce);
        pub.Publish("t", "3", QualityOfService.AtMostOnce);
        Assert.Equal(new[] { "1" }, sub.ReceivedPayloads);
        sub.AckAll();
        sub.AckAll();
        Assert.Equal(new[] { "1", "2", "3" }, sub.ReceivedPayloads);
    }

    [Fact]
    public void QoS_0_messages_are_not_held_back_by_the_receive_window()
    {
        var broker = new TestBroker();
        TestClient sub = broker.Connect("sub", customize: c => c with { ReceiveMaximum = 1 });
        sub.Subscribe("t", QualityOfService.AtMostOnce);
        TestClient pub = broker.Connect("pub");
        for (int i = 0; i < 5; i++)
        {
            pub.Publish("t", i.ToString(), QualityOfService.AtLeastOnce);
        }

        Assert.Equal(5, sub.Received.Length);
    }

    [Fact]
    public void A_client_exceeding_the_broker_Receive_Maximum_with_QoS_2_is_disconnected_with_0x93()
    {
        var broker = new TestBroker(o => o.ReceiveMaximum = 2);
        TestClient pub = broker.Connect("pub");
        pub.Publish("t", "1", QualityOfService.ExactlyOnce);
        pub.Publish("t", "2", QualityOfService.ExactlyOnce);
        Assert.False(pub.Connection.Closed);
        pub.Publish("t", "3", QualityOfService.ExactlyOnce);
        Assert.Equal(ReasonCode.ReceiveMaximumExceeded, pub.ServerDisconnect!.ReasonCode);
    }

    [Fact]
    public void After_DISCONNECT_0x93_the_connection_is_half_closed_and_drained_so_the_client_reads_the_reason_MQTT_3_3_4_9()
    {
        var broker = new TestBroker(o => o.ReceiveMaximum = 1);
        TestClient pub = broker.Connect("pub");
        pub.Publish("t", "1", QualityOfService.ExactlyOnce);
        pub.Publish("t", "2", QualityOfService.ExactlyOnce);
        Assert.Equal(ReasonCode.ReceiveMaximumExceeded, pub.ServerDisconnect!.ReasonCode);
        Assert.True(pub.Connection.ClosedAfterDisconnect);
    }

    [Fact]
    public void Other_protocol_errors_close_at_once()
    {
        var broker = new TestBroker();
        TestClient pub = broker.Connect("pub");
        pub.Publish("a/#", "x");
        Assert.True(pub.Connection.Closed);
        Assert.False(pub.Connection.ClosedAfterDisconnect);
    }

    [Fact]
    public void A_message_larger_than_the_client_Maximum_Packet_Size_is_not_sent_to_it_MQTT_3_1_2_25()
    {
        var broker = new TestBroker();
        TestClient small = broker.Connect("small", customize: c => c with { MaximumPacketSize = 64 });
        Assert.Equal(64u, small.Connection.MaximumOutgoingPacketSize);
        small.Subscribe("t", QualityOfService.AtLeastOnce);
        TestClient pub = broker.Connect("pub");
        pub.Publish("t", new string('x', 200), QualityOfService.AtLeastOnce);
        pub.Publish("t", "small", QualityOfService.AtLeastOnce);
        Assert.Equal(new[] { "small" }, small.ReceivedPayloads);
        Assert.False(small.Connection.Closed);
    }

    [Fact]
    public void A_decoder_violation_for_an_oversized_packet_closes_with_0x95_and_is_logged_once()
    {
        var broker = new TestBroker();
        TestClient client = broker.Connect("big");
        client.Violate(new ProtocolViolation(ReasonCode.PacketTooLarge, "MQTT-3.2.2-15", "packet of 2000000 bytes"));
        client.Drop();
        Assert.Equal(ReasonCode.PacketTooLarge, client.ServerDisconnect!.ReasonCode);
        Assert.Single(broker.Logs.AtLeast(Microsoft.Extensions.Logging.LogLevel.Information), e => e.Message.Contains("big"));
    }

    [Fact]
    public void Messages_waiting_for_the_window_are_bounded_by_the_session_queue_limit()
    {
        var broker = new TestBroker(o => o.MaxQueuedMessagesPerSession = 2);
        TestClient sub = broker.Connect("sub", customize: c => c with { ReceiveMaximum = 1 });
        sub.Subscribe("t", QualityOfService.AtLeastOnce);
        TestClient pub = broker.Connect("pub");
        for (int i = 0; i < 6; i++)
        {
            pub.Publish("t", i.ToString(), QualityOfService.AtLeastOnce);
        }

        for (int i = 0; i < 6; i++)
        {
            sub.AckAll();
        }

        Assert.Equal(new[] { "0", "4", "5" }, sub.ReceivedPayloads);
        Assert.Equal(3, broker.Context.Metrics.MessagesDropped);
    }

    [Fact]
    public void Deliveries_arriving_faster_than_the_connection_sends_are_bounded_by_the_session_queue_limit_oldest_dropped()
    {
        var broker = new TestBroker(o => o.MaxQueuedMessagesPerSession = 300);
        TestClient sub = PublishToBusySubscriber(broker, 500);

        sub.Connection.Resume();

        Assert.Equal(Enumerable.Range(200, 300).Select(i => i.ToString()), sub.ReceivedPayloads);
        Assert.Equal(200, broker.Context.Metrics.MessagesDropped);
        Assert.Contains(broker.Logs.Entries, e => e.Level == Microsoft.Extensions.Logging.LogLevel.Warning && e.Message.Contains("mailbox is full") && e.Message.Contains("client sub"));
    }

    [Fact]
    public void A_backlog_of_deliveries_is_sent_in_bounded_turns_so_each_turn_can_be_flushed()
    {
        var broker = new TestBroker();
        TestClient sub = PublishToBusySubscriber(broker, 600);

        Assert.True(sub.Connection.RunNext());
        Assert.Equal(256, sub.Received.Length);
        Assert.Equal(1, sub.Connection.QueuedActions);
        Assert.True(sub.Connection.RunNext());
        Assert.Equal(512, sub.Received.Length);
        sub.Connection.Resume();
        Assert.Equal(Enumerable.Range(0, 600).Select(i => i.ToString()), sub.ReceivedPayloads);
        Assert.Equal(0, broker.Context.Metrics.MessagesDropped);
    }

    [Fact]
    public void A_message_the_transport_refused_because_the_socket_closed_is_handed_back_with_the_session()
    {
        var broker = new TestBroker();
        TestClient sub = broker.Connect("sub", clean: false, customize: c => c with { SessionExpiryInterval = 60 });
        sub.Subscribe("t", QualityOfService.AtLeastOnce);
        sub.Connection.Close(); // the socket is gone, the handler has not heard yet
        broker.Connect("pub").Publish("t", "x", QualityOfService.AtLeastOnce);
        sub.Drop();
        TestClient back = broker.Connect("sub", clean: false, customize: c => c with { SessionExpiryInterval = 60 });
        Assert.Equal(new[] { "x" }, back.ReceivedPayloads);
    }

    /// <summary>
    /// A QoS 0 subscriber whose event loop is busy (its connection holds every action) while a publisher
    /// sends it <paramref name="count"/> messages "0", "1", ...: nothing has been sent to it yet on return.
    /// </summary>
    private static TestClient PublishToBusySubscriber(TestBroker broker, int count)
    {
        TestClient sub = broker.Connect("sub");
        sub.Subscribe("t", QualityOfService.AtMostOnce);
        TestClient pub = broker.Connect("pub");
        sub.Connection.Held = true;
        for (int i = 0; i < count; i++)
        {
            pub.Publish("t", i.ToString(), QualityOfService.AtMostOnce);
        }

        return sub;
    }
}
