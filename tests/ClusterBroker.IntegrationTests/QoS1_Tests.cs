namespace ClusterBroker.IntegrationTests;

/// <summary>QoS 1 (at least once) in both directions [MQTT-4.3.2].</summary>
public sealed class QoS1_Tests(BrokerFixture broker) : IClassFixture<BrokerFixture>
{
    private int Port => broker.Port;

    [Theory]
    [InlineData(4)]
    [InlineData(5)]
    public async Task An_inbound_QoS_1_PUBLISH_is_acknowledged_with_a_PUBACK_for_its_packet_id_MQTT_4_3_2_4(int level)
    {
        await using var raw = await RawMqttConnection.ConnectAsync(Port, level, Unique.ClientId());

        await raw.SendAsync(RawPackets.Publish(Unique.Topic(), "hello", qos: 1, packetId: 4711, v5: level == 5));
        var pubAck = await raw.ExpectAsync(RawPacket.PubAck);

        Assert.Equal(0x40, pubAck.FirstByte);
        Assert.Equal(4711, pubAck.PacketId);
        if (level == 5)
        {
            // no subscribers: Success or 0x10 No matching subscribers
            Assert.Contains(pubAck.AckReason, new byte[] { 0x00, 0x10 });
        }
    }

    [Theory]
    [InlineData(4)]
    [InlineData(5)]
    public async Task An_outbound_QoS_1_PUBLISH_has_a_non_zero_packet_id_and_is_released_by_PUBACK_MQTT_2_2_1_3(int level)
    {
        var topic = Unique.Topic();
        await using var subscriber = await RawMqttConnection.ConnectAsync(Port, level, Unique.ClientId());
        await subscriber.SendAsync(RawPackets.Subscribe(1, level == 5, (topic, 1)));
        var subAck = await subscriber.ExpectAsync(RawPacket.SubAck);
        Assert.Equal([1], subAck.AckReasonCodes(level == 5));
        await using var publisher = await TestClient.ConnectAsync(Port);

        await publisher.PublishAsync(topic, "one", Q.Q1);
        var first = (await subscriber.ExpectAsync(RawPacket.Publish)).DecodePublish(level == 5);
        await subscriber.SendAsync(RawPackets.PubAck(first.PacketId));
        await publisher.PublishAsync(topic, "two", Q.Q1);
        var second = (await subscriber.ExpectAsync(RawPacket.Publish)).DecodePublish(level == 5);

        Assert.Equal((1, "one", topic), (first.Qos, first.PayloadText, first.Topic));
        Assert.Equal((1, "two"), (second.Qos, second.PayloadText));
        Assert.NotEqual(0, first.PacketId);
        Assert.NotEqual(0, second.PacketId);
        Assert.False(first.Dup);
    }

    [Theory]
    [InlineData(MqttProtocolVersion.V311, MqttProtocolVersion.V500)]
    [InlineData(MqttProtocolVersion.V500, MqttProtocolVersion.V311)]
    [InlineData(MqttProtocolVersion.V500, MqttProtocolVersion.V500)]
    public async Task QoS_1_messages_flow_end_to_end_between_MQTTnet_clients(MqttProtocolVersion publisherVersion, MqttProtocolVersion subscriberVersion)
    {
        var topic = Unique.Topic();
        await using var subscriber = await TestClient.ConnectAsync(Port, version: subscriberVersion);
        await subscriber.SubscribeAsync(topic, Q.Q1);
        await using var publisher = await TestClient.ConnectAsync(Port, version: publisherVersion);

        var result = await publisher.PublishAsync(topic, "q1", Q.Q1);

        Assert.True(result.IsSuccess, $"PUBACK reason {result.ReasonCode}");
        var message = await subscriber.Messages.WaitForAsync(m => m.Topic == topic, "the QoS 1 message");
        Assert.Equal(1, message.Qos);
        Assert.Equal("q1", message.Payload);
    }

    [Fact]
    public async Task A_duplicate_QoS_1_PUBLISH_is_acknowledged_again()
    {
        await using var raw = await RawMqttConnection.ConnectAsync(Port, 4, Unique.ClientId());
        var topic = Unique.Topic();

        await raw.SendAsync(RawPackets.Publish(topic, "x", qos: 1, packetId: 9));
        await raw.SendAsync(RawPackets.Publish(topic, "x", qos: 1, packetId: 9, dup: true));

        Assert.Equal(9, (await raw.ExpectAsync(RawPacket.PubAck)).PacketId);
        Assert.Equal(9, (await raw.ExpectAsync(RawPacket.PubAck)).PacketId);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(2)]
    public async Task A_512_KiB_payload_arrives_byte_for_byte(int qos)
    {
        var topic = Unique.Topic();
        var payload = new byte[512 * 1024];
        new Random(qos).NextBytes(payload);
        await using var subscriber = await TestClient.ConnectAsync(Port);
        await subscriber.SubscribeAsync(topic, Q.Q2);
        await using var publisher = await TestClient.ConnectAsync(Port, version: MqttProtocolVersion.V311);

        await publisher.PublishAsync(new MqttApplicationMessageBuilder().WithTopic(topic).WithPayload(payload).WithQualityOfServiceLevel(Q.Of(qos)).Build());

        var message = await subscriber.Messages.WaitForAsync(m => m.Topic == topic, "the large message");
        Assert.True(payload.AsSpan().SequenceEqual(System.Buffers.BuffersExtensions.ToArray(message.Message.Payload)), "the payload changed on the way");
    }

    [Fact]
    public async Task An_empty_payload_is_delivered_as_empty()
    {
        var topic = Unique.Topic();
        await using var subscriber = await RawMqttConnection.ConnectAsync(Port, 4, Unique.ClientId());
        await subscriber.SendAsync(RawPackets.Subscribe(1, false, (topic, 1)));
        await subscriber.ExpectAsync(RawPacket.SubAck);
        await using var publisher = await TestClient.ConnectAsync(Port);

        await publisher.PublishAsync(topic, "", Q.Q1);

        var publish = (await subscriber.ExpectAsync(RawPacket.Publish)).DecodePublish(v5: false);
        Assert.Empty(publish.Payload);
    }
}
