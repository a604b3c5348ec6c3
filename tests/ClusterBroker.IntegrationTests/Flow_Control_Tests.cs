namespace ClusterBroker.IntegrationTests;

/// <summary>MQTT 5.0 flow control: Receive Maximum and Maximum Packet Size in both directions (section 4.9, 3.1.2.11.4).</summary>
public sealed class Flow_Control_Tests(FlowControlBrokerFixture broker) : IClassFixture<FlowControlBrokerFixture>
{
    private int Port => broker.Port;

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public async Task The_broker_never_has_more_unacknowledged_messages_to_a_client_than_its_Receive_Maximum_MQTT_3_3_4_9(int qos)
    {
        const int clientReceiveMaximum = 2;
        const int total = 12;
        var topic = Unique.Topic();
        await using var subscriber = await RawMqttConnection.ConnectAsync(Port, 5, Unique.ClientId(),
            properties: [RawPackets.U16Property(MqttProperties.ReceiveMaximum, clientReceiveMaximum)]);
        await subscriber.SendAsync(RawPackets.Subscribe(1, true, (topic, (byte)qos)));
        await subscriber.ExpectAsync(RawPacket.SubAck);
        await using var publisher = await TestClient.ConnectAsync(Port);
        for (var i = 0; i < total; i++)
        {
            await publisher.PublishAsync(topic, $"{i:D2}", Q.Of(qos)); // all accepted by the broker before the client acknowledges anything
        }

        var (received, maxOutstanding) = await InflightWindowProbe.RunAsync(subscriber, v5: true, qos, clientReceiveMaximum, total);

        Assert.Equal(Enumerable.Range(0, total).Select(i => $"{i:D2}"), received); // in order despite the window
        Assert.Equal(clientReceiveMaximum, maxOutstanding);
    }

    [Fact]
    public async Task An_MQTTnet_client_that_delays_its_acknowledgements_gets_at_most_Receive_Maximum_messages()
    {
        var topic = Unique.Topic();
        await using var subscriber = await TestClient.ConnectAsync(Port, manualAcks: true, configure: b => b.WithReceiveMaximum(3));
        await subscriber.SubscribeAsync(topic, Q.Q1);
        await using var publisher = await TestClient.ConnectAsync(Port);
        for (var i = 0; i < 9; i++)
        {
            await publisher.PublishAsync(topic, $"{i}", Q.Q1);
        }

        for (var acked = 0; acked < 9; acked++)
        {
            await subscriber.Messages.WaitForCountAsync(Math.Min(acked + 3, 9));
            await subscriber.PingAsync();
            Assert.True(subscriber.Messages.Count <= acked + 3, $"{subscriber.Messages.Count - acked} messages outstanding with Receive Maximum 3");
            await subscriber.AckAsync(subscriber.PendingAcks.Snapshot()[acked]);
        }

        Assert.Equal(Enumerable.Range(0, 9).Select(i => $"{i}"), subscriber.Messages.Snapshot().Select(m => m.Payload));
    }

    [Fact]
    public async Task CONNACK_announces_the_broker_Receive_Maximum_and_Maximum_Packet_Size()
    {
        await using var raw = await RawMqttConnection.ConnectAsync(Port, 5, Unique.ClientId());

        var properties = raw.LastConnAck!.ConnAckProperties(v5: true);

        Assert.Equal(FlowControlBrokerFixture.ReceiveMaximum, properties.Number(MqttProperties.ReceiveMaximum));
        Assert.Equal(FlowControlBrokerFixture.MaximumPacketSize, properties.Number(MqttProperties.MaximumPacketSize));
    }

    [Fact]
    public async Task A_client_exceeding_the_broker_Receive_Maximum_is_disconnected_with_0x93_MQTT_3_3_4_8()
    {
        await using var bystander = await Bystander.StartAsync(Port);
        await using var raw = await RawMqttConnection.ConnectAsync(Port, 5, Unique.ClientId());
        var topic = Unique.Topic();

        // QoS 2 PUBLISHes stay unacknowledged (no PUBCOMP) while the client withholds PUBREL
        for (ushort id = 1; id <= FlowControlBrokerFixture.ReceiveMaximum; id++)
        {
            await raw.SendAsync(RawPackets.Publish(topic, "x", qos: 2, packetId: id, v5: true));
            Assert.Equal(id, (await raw.ExpectAsync(RawPacket.PubRec)).PacketId);
        }
        await raw.TrySendAsync(RawPackets.Publish(topic, "one too many", qos: 2, packetId: 100, v5: true));
        var before = await raw.WaitForCloseAsync();

        var disconnect = Assert.Single(before);
        Assert.Equal((RawPacket.Disconnect, (byte)0x93), (disconnect.Type, disconnect.DisconnectReason));
        await bystander.AssertStillServedAsync();
    }

    [Fact]
    public async Task Completing_QoS_2_flows_frees_the_broker_receive_window()
    {
        await using var raw = await RawMqttConnection.ConnectAsync(Port, 5, Unique.ClientId());
        var topic = Unique.Topic();

        for (ushort id = 1; id <= 10; id++)
        {
            await raw.SendAsync(RawPackets.Publish(topic, "x", qos: 2, packetId: id, v5: true));
            await raw.ExpectAsync(RawPacket.PubRec);
            await raw.SendAsync(RawPackets.PubRel(id));
            await raw.ExpectAsync(RawPacket.PubComp);
        }

        Assert.False(raw.IsClosed);
    }

    [Fact]
    public async Task A_message_larger_than_the_client_Maximum_Packet_Size_is_not_sent_to_that_client_MQTT_3_1_2_25()
    {
        var topic = Unique.Topic();
        await using var small = await TestClient.ConnectAsync(Port, configure: b => b.WithMaximumPacketSize(256));
        await small.SubscribeAsync(topic, Q.Q1);
        await using var large = await TestClient.ConnectAsync(Port);
        await large.SubscribeAsync(topic, Q.Q1);
        await using var publisher = await TestClient.ConnectAsync(Port);

        await publisher.PublishAsync(topic, new string('x', 1000), Q.Q1);
        await publisher.PublishAsync(topic, "marker", Q.Q1);

        var toSmall = await small.Messages.WaitUntilAsync(list => list.Any(m => m.Payload == "marker"), "the marker");
        Assert.Equal(["marker"], toSmall.Select(m => m.Payload));
        Assert.True(small.Client.IsConnected);
        var toLarge = await large.Messages.WaitForCountAsync(2);
        Assert.Equal(1000, toLarge[0].Payload.Length);
    }

    [Fact]
    public async Task A_packet_larger_than_the_broker_Maximum_Packet_Size_is_answered_with_DISCONNECT_0x95()
    {
        await using var bystander = await Bystander.StartAsync(Port);
        await using var raw = await RawMqttConnection.ConnectAsync(Port, 5, Unique.ClientId());

        await raw.TrySendAsync(RawPackets.Publish(Unique.Topic(), new byte[FlowControlBrokerFixture.MaximumPacketSize + 100], qos: 1, packetId: 1, v5: true));
        var before = await raw.WaitForCloseAsync();

        var disconnect = Assert.Single(before);
        Assert.Equal((RawPacket.Disconnect, (byte)0x95), (disconnect.Type, disconnect.DisconnectReason));
        await bystander.AssertStillServedAsync();
    }

    [Fact]
    public async Task A_packet_just_under_the_broker_Maximum_Packet_Size_is_accepted()
    {
        var topic = Unique.Topic();
        await using var subscriber = await TestClient.ConnectAsync(Port);
        await subscriber.SubscribeAsync(topic, Q.Q1);
        await using var raw = await RawMqttConnection.ConnectAsync(Port, 5, Unique.ClientId());
        // fixed header 1 + 2 (remaining length < 16384) ; topic 2 + n ; packet id 2 ; properties 1
        var payload = new byte[FlowControlBrokerFixture.MaximumPacketSize - 3 - (2 + topic.Length) - 2 - 1];

        await raw.SendAsync(RawPackets.Publish(topic, payload, qos: 1, packetId: 1, v5: true));

        Assert.Equal(1, (await raw.ExpectAsync(RawPacket.PubAck)).PacketId);
        var message = await subscriber.Messages.WaitForAsync(m => m.Topic == topic, "the large message");
        Assert.Equal(payload.Length, message.Message.Payload.Length);
    }

    [Fact]
    public async Task A_queued_backlog_is_delivered_in_order_within_the_Receive_Maximum_of_the_returning_client()
    {
        var clientId = Unique.ClientId();
        var topic = Unique.Topic();
        byte[][] session = [RawPackets.U32Property(MqttProperties.SessionExpiryInterval, 300), RawPackets.U16Property(MqttProperties.ReceiveMaximum, 2)];
        await using (var first = await RawMqttConnection.ConnectAsync(Port, 5, clientId, clean: false, properties: session))
        {
            await first.SendAsync(RawPackets.Subscribe(1, true, (topic, 1)));
            await first.ExpectAsync(RawPacket.SubAck);
            await first.SendAsync(RawPackets.Disconnect(0x00));
            await first.WaitForCloseAsync();
        }
        await using var publisher = await TestClient.ConnectAsync(Port);
        for (var i = 0; i < 10; i++)
        {
            await publisher.PublishAsync(topic, $"{i}", Q.Q1);
        }

        await using var again = await RawMqttConnection.ConnectAsync(Port, 5, clientId, clean: false, properties: session);
        var (received, maxOutstanding) = await InflightWindowProbe.RunAsync(again, v5: true, qos: 1, window: 2, total: 10);

        Assert.Equal(Enumerable.Range(0, 10).Select(i => $"{i}"), received);
        Assert.Equal(2, maxOutstanding);
    }
}
