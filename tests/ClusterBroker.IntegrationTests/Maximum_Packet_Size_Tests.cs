namespace ClusterBroker.IntegrationTests;

/// <summary>
/// Every packet the broker sends fits the client's Maximum Packet Size ([MQTT-3.1.2-24]), CONNACK included: a client
/// announcing 20 bytes gets a CONNACK (optional properties dropped) instead of waiting for its own timeout.
/// </summary>
public sealed class Maximum_Packet_Size_Tests(BrokerFixture broker) : IClassFixture<BrokerFixture>
{
    private int Port => broker.Port;

    private static byte[][] MaximumPacketSize(uint size) => [RawPackets.U32Property(MqttProperties.MaximumPacketSize, size)];

    [Fact]
    public async Task A_client_announcing_20_bytes_gets_a_successful_CONNACK_of_at_most_20_bytes()
    {
        await using var raw = await RawMqttConnection.OpenAsync(Port);
        await raw.SendAsync(RawPackets.Connect(5, Unique.ClientId(), properties: MaximumPacketSize(20)));

        var connAck = await raw.ExpectAsync(RawPacket.ConnAck);
        Assert.Equal(0, connAck.ConnAckCode);
        Assert.InRange(1 + RawPackets.VarInt(connAck.Body.Length).Length + connAck.Body.Length, 5, 20);
        var properties = connAck.ConnAckProperties(v5: true);
        Assert.True(properties.Has(MqttProperties.ReceiveMaximum)); // what the client must know stays
        Assert.True(properties.Has(MqttProperties.MaximumPacketSize));

        await raw.SendAsync(RawPackets.PingReq());
        await raw.ExpectAsync(RawPacket.PingResp);
    }

    [Fact]
    public async Task A_client_with_room_gets_every_property()
    {
        await using var raw = await RawMqttConnection.ConnectAsync(Port, 5, Unique.ClientId(), properties: MaximumPacketSize(1000));

        var properties = raw.LastConnAck!.ConnAckProperties(v5: true);
        Assert.True(properties.Has(MqttProperties.TopicAliasMaximum));
        Assert.True(properties.Has(MqttProperties.SharedSubscriptionAvailable));
    }

    [Fact]
    public async Task mosquitto_pub_announcing_20_bytes_connects_and_publishes()
    {
        var topic = Unique.Topic();
        await using var subscriber = await TestClient.ConnectAsync(Port);
        await subscriber.SubscribeAsync(topic, Q.Q1);

        await MosquittoClients.PublishAsync(Port, "mqttv5", topic, 1, "small", extra: ["-D", "connect", "maximum-packet-size", "20"]);

        await subscriber.Messages.WaitForAsync(m => m.Payload == "small", "the message from mosquitto_pub");
    }

    [Fact]
    public async Task The_MQTTnet_client_announcing_20_bytes_connects()
    {
        await using var client = await TestClient.ConnectAsync(Port, configure: b => b.WithMaximumPacketSize(20));

        Assert.Equal(MqttClientConnectResultCode.Success, client.ConnectResult.ResultCode);
        await client.PingAsync();
    }

    [Fact]
    public async Task A_CONNACK_that_cannot_carry_the_assigned_client_identifier_refuses_with_a_bare_0x95()
    {
        await using var raw = await RawMqttConnection.OpenAsync(Port);
        await raw.SendAsync(RawPackets.Connect(5, string.Empty, properties: MaximumPacketSize(20)));

        var before = await raw.WaitForCloseAsync();
        var connAck = Assert.Single(before);
        Assert.Equal((RawPacket.ConnAck, (byte)0x95), (connAck.Type, connAck.ConnAckCode));
        Assert.Empty(connAck.ConnAckProperties(v5: true).Items);
    }

    [Fact]
    public async Task A_server_DISCONNECT_drops_its_reason_string_to_fit_MQTT_3_14_2_3()
    {
        await using var roomy = await RawMqttConnection.ConnectAsync(Port, 5, Unique.ClientId(), properties: MaximumPacketSize(1000));
        await using var tiny = await RawMqttConnection.ConnectAsync(Port, 5, Unique.ClientId(), properties: MaximumPacketSize(16));

        await roomy.TrySendAsync(RawPackets.Publish("a/#", "x", v5: true));
        await tiny.TrySendAsync(RawPackets.Publish("a/#", "x", v5: true));

        var withReason = Assert.Single(await roomy.WaitForCloseAsync());
        Assert.NotNull(withReason.DisconnectProperties.Text(MqttProperties.ReasonString));
        var without = Assert.Single(await tiny.WaitForCloseAsync());
        Assert.Equal((byte)0x90, without.DisconnectReason);
        Assert.False(without.DisconnectProperties.Has(MqttProperties.ReasonString));
    }
}
