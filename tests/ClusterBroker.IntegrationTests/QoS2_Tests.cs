namespace ClusterBroker.IntegrationTests;

/// <summary>QoS 2 (exactly once) in both directions [MQTT-4.3.3].</summary>
public sealed class QoS2_Tests(BrokerFixture broker) : IClassFixture<BrokerFixture>
{
    private int Port => broker.Port;

    [Theory]
    [InlineData(4)]
    [InlineData(5)]
    public async Task An_inbound_QoS_2_PUBLISH_gets_PUBREC_and_its_PUBREL_gets_PUBCOMP_MQTT_4_3_3_8(int level)
    {
        await using var raw = await RawMqttConnection.ConnectAsync(Port, level, Unique.ClientId());

        await raw.SendAsync(RawPackets.Publish(Unique.Topic(), "hello", qos: 2, packetId: 77, v5: level == 5));
        var pubRec = await raw.ExpectAsync(RawPacket.PubRec);
        await raw.SendAsync(RawPackets.PubRel(77));
        var pubComp = await raw.ExpectAsync(RawPacket.PubComp);

        Assert.Equal((0x50, 77), (pubRec.FirstByte, pubRec.PacketId));
        Assert.Equal((0x70, 77), (pubComp.FirstByte, pubComp.PacketId));
        if (level == 5)
        {
            Assert.Contains(pubRec.AckReason, new byte[] { 0x00, 0x10 });
            Assert.Equal(0x00, pubComp.AckReason);
        }
    }

    [Theory]
    [InlineData(4)]
    [InlineData(5)]
    public async Task A_repeated_PUBLISH_with_the_same_id_before_PUBREL_is_delivered_only_once_MQTT_4_3_3_9(int level)
    {
        var topic = Unique.Topic();
        await using var subscriber = await TestClient.ConnectAsync(Port);
        await subscriber.SubscribeAsync(topic, Q.Q2);
        await using var raw = await RawMqttConnection.ConnectAsync(Port, level, Unique.ClientId());
        var v5 = level == 5;

        await raw.SendAsync(RawPackets.Publish(topic, "once", qos: 2, packetId: 10, v5: v5));
        Assert.Equal(10, (await raw.ExpectAsync(RawPacket.PubRec)).PacketId);
        await raw.SendAsync(RawPackets.Publish(topic, "once", qos: 2, packetId: 10, dup: true, v5: v5));
        Assert.Equal(10, (await raw.ExpectAsync(RawPacket.PubRec)).PacketId);
        await raw.SendAsync(RawPackets.Publish(topic, "once", qos: 2, packetId: 10, dup: true, v5: v5));
        Assert.Equal(10, (await raw.ExpectAsync(RawPacket.PubRec)).PacketId);
        await raw.SendAsync(RawPackets.PubRel(10));
        Assert.Equal(10, (await raw.ExpectAsync(RawPacket.PubComp)).PacketId);
        await raw.SendAsync(RawPackets.Publish(topic, "marker", qos: 2, packetId: 11, v5: v5));
        await raw.ExpectAsync(RawPacket.PubRec);
        await raw.SendAsync(RawPackets.PubRel(11));
        await raw.ExpectAsync(RawPacket.PubComp);

        var received = await subscriber.Messages.WaitUntilAsync(list => list.Any(m => m.Payload == "marker"), "the marker");
        Assert.Equal(["once", "marker"], received.Select(m => m.Payload));
    }

    [Fact]
    public async Task After_PUBCOMP_the_packet_id_may_be_reused_for_a_new_message_which_is_delivered()
    {
        var topic = Unique.Topic();
        await using var subscriber = await TestClient.ConnectAsync(Port);
        await subscriber.SubscribeAsync(topic, Q.Q2);
        await using var raw = await RawMqttConnection.ConnectAsync(Port, 5, Unique.ClientId());

        foreach (var payload in new[] { "first", "second" })
        {
            await raw.SendAsync(RawPackets.Publish(topic, payload, qos: 2, packetId: 5, v5: true));
            await raw.ExpectAsync(RawPacket.PubRec);
            await raw.SendAsync(RawPackets.PubRel(5));
            await raw.ExpectAsync(RawPacket.PubComp);
        }

        var received = await subscriber.Messages.WaitForCountAsync(2);
        Assert.Equal(["first", "second"], received.Select(m => m.Payload));
    }

    [Theory]
    [InlineData(4)]
    [InlineData(5)]
    public async Task An_outbound_QoS_2_message_completes_PUBLISH_PUBREC_PUBREL_PUBCOMP_MQTT_4_3_3_3(int level)
    {
        var topic = Unique.Topic();
        var v5 = level == 5;
        await using var subscriber = await RawMqttConnection.ConnectAsync(Port, level, Unique.ClientId());
        await subscriber.SendAsync(RawPackets.Subscribe(1, v5, (topic, 2)));
        Assert.Equal([2], (await subscriber.ExpectAsync(RawPacket.SubAck)).AckReasonCodes(v5));
        await using var publisher = await TestClient.ConnectAsync(Port);

        await publisher.PublishAsync(topic, "exactly", Q.Q2);
        var publish = (await subscriber.ExpectAsync(RawPacket.Publish)).DecodePublish(v5);
        await subscriber.SendAsync(RawPackets.PubRec(publish.PacketId));
        var pubRel = await subscriber.ExpectAsync(RawPacket.PubRel);
        await subscriber.SendAsync(RawPackets.PubComp(publish.PacketId));

        Assert.Equal((2, "exactly"), (publish.Qos, publish.PayloadText));
        Assert.NotEqual(0, publish.PacketId);
        Assert.Equal(0x62, pubRel.FirstByte); // [MQTT-3.6.1-1] PUBREL flags 0010
        Assert.Equal(publish.PacketId, pubRel.PacketId);
        await subscriber.SendAsync(RawPackets.PingReq());
        await subscriber.ExpectAsync(RawPacket.PingResp);
    }

    [Fact]
    public async Task A_PUBREL_for_an_unknown_packet_id_gets_PUBCOMP_0x92_in_5_0()
    {
        await using var raw = await RawMqttConnection.ConnectAsync(Port, 5, Unique.ClientId());

        await raw.SendAsync(RawPackets.PubRel(999));
        var pubComp = await raw.ExpectAsync(RawPacket.PubComp);

        Assert.Equal(999, pubComp.PacketId);
        Assert.Equal(0x92, pubComp.AckReason); // Packet Identifier not found
    }

    [Fact]
    public async Task A_PUBREL_for_an_unknown_packet_id_gets_PUBCOMP_in_3_1_1()
    {
        await using var raw = await RawMqttConnection.ConnectAsync(Port, 4, Unique.ClientId());

        await raw.SendAsync(RawPackets.PubRel(999));

        Assert.Equal(999, (await raw.ExpectAsync(RawPacket.PubComp)).PacketId);
    }

    [Theory]
    [InlineData(MqttProtocolVersion.V311, MqttProtocolVersion.V500)]
    [InlineData(MqttProtocolVersion.V500, MqttProtocolVersion.V311)]
    [InlineData(MqttProtocolVersion.V500, MqttProtocolVersion.V500)]
    public async Task QoS_2_messages_flow_end_to_end_between_MQTTnet_clients_exactly_once(MqttProtocolVersion publisherVersion, MqttProtocolVersion subscriberVersion)
    {
        var topic = Unique.Topic();
        await using var subscriber = await TestClient.ConnectAsync(Port, version: subscriberVersion);
        await subscriber.SubscribeAsync(topic, Q.Q2);
        await using var publisher = await TestClient.ConnectAsync(Port, version: publisherVersion);

        for (var i = 0; i < 20; i++)
        {
            var result = await publisher.PublishAsync(topic, $"m{i}", Q.Q2);
            Assert.True(result.IsSuccess, $"PUBREC/PUBCOMP reason {result.ReasonCode}");
        }
        await publisher.PublishAsync(topic, "marker", Q.Q2);

        var received = await subscriber.Messages.WaitUntilAsync(list => list.Any(m => m.Payload == "marker"), "the marker");
        Assert.Equal(Enumerable.Range(0, 20).Select(i => $"m{i}").Append("marker"), received.Select(m => m.Payload));
        Assert.All(received, m => Assert.Equal(2, m.Qos));
    }

    [Fact]
    public async Task An_inbound_QoS_2_flow_interrupted_after_PUBREC_completes_on_the_next_connection_exactly_once()
    {
        var clientId = Unique.ClientId();
        var topic = Unique.Topic();
        byte[][] session = [RawPackets.U32Property(MqttProperties.SessionExpiryInterval, 300)];
        await using var subscriber = await TestClient.ConnectAsync(Port);
        await subscriber.SubscribeAsync(topic, Q.Q2);
        await using (var first = await RawMqttConnection.ConnectAsync(Port, 5, clientId, clean: false, properties: session))
        {
            await first.SendAsync(RawPackets.Publish(topic, "interrupted", qos: 2, packetId: 7, v5: true));
            Assert.Equal(7, (await first.ExpectAsync(RawPacket.PubRec)).PacketId);
            first.Drop(); // before PUBREL
        }

        // the received-but-unreleased QoS 2 message is session state [MQTT-4.1.0-1]: the PUBREL completes it
        await using var again = await RawMqttConnection.ConnectAsync(Port, 5, clientId, clean: false, properties: session);
        Assert.True(again.LastConnAck!.ConnAckSessionPresent);
        await again.SendAsync(RawPackets.PubRel(7));
        var pubComp = await again.ExpectAsync(RawPacket.PubComp);
        Assert.Equal((7, (byte)0x00), (pubComp.PacketId, pubComp.AckReason));
        await again.SendAsync(RawPackets.Publish(topic, "marker", qos: 1, packetId: 8, v5: true));
        await again.ExpectAsync(RawPacket.PubAck);

        var received = await subscriber.Messages.WaitUntilAsync(list => list.Any(m => m.Payload == "marker"), "the marker");
        Assert.Equal(["interrupted", "marker"], received.Select(m => m.Payload));
    }
}
