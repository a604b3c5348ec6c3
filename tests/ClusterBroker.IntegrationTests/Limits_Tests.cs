using ClusterBroker.Core;

namespace ClusterBroker.IntegrationTests;

/// <summary>Configurable limits, each refused with its reason code: connections, packet size, topic length/levels, subscriptions.</summary>
public sealed class Limits_Tests(LimitsBrokerFixture broker) : IClassFixture<LimitsBrokerFixture>
{
    private int Port => broker.Port;

    private static string TopicOfLength(int length)
    {
        var root = Unique.Topic();
        return root + "/" + new string('x', length - root.Length - 1);
    }

    [Theory]
    [InlineData(5, 0x89)] // Server busy
    [InlineData(4, 0x03)] // Connection Refused, Server unavailable
    public async Task Connections_beyond_MaxConnections_are_refused_with_a_CONNACK_code(int level, byte expectedCode)
    {
        await using var own = await TestBroker.StartAsync(new BrokerOptions { MaxConnections = 2 });
        await using var first = await RawMqttConnection.ConnectAsync(own.Port, 5, Unique.ClientId());
        await using var second = await RawMqttConnection.ConnectAsync(own.Port, 4, Unique.ClientId());

        await using var refused = await RawMqttConnection.OpenAsync(own.Port);
        await refused.TrySendAsync(RawPackets.Connect(level, Unique.ClientId()));
        var before = await refused.WaitForCloseAsync();

        var connAck = Assert.Single(before);
        Assert.Equal((RawPacket.ConnAck, expectedCode), (connAck.Type, connAck.ConnAckCode));

        // once a slot is free a new client gets in
        await first.DisposeAsync();
        Assert.True(await Eventually.TrueAsync(async () =>
        {
            await using var attempt = await RawMqttConnection.OpenAsync(own.Port);
            await attempt.TrySendAsync(RawPackets.Connect(5, Unique.ClientId()));
            var packet = await attempt.ReceiveOrCloseAsync();
            return packet is { Type: RawPacket.ConnAck, ConnAckCode: 0 };
        }), "a connection was accepted after one closed");
    }

    [Fact]
    public async Task A_5_0_packet_above_the_Maximum_Packet_Size_is_answered_with_DISCONNECT_0x95()
    {
        await using var raw = await RawMqttConnection.ConnectAsync(Port, 5, Unique.ClientId());
        Assert.Equal(LimitsBrokerFixture.MaximumPacketSize, raw.LastConnAck!.ConnAckProperties(v5: true).Number(MqttProperties.MaximumPacketSize));

        await raw.TrySendAsync(RawPackets.Publish(Unique.Topic(), new byte[LimitsBrokerFixture.MaximumPacketSize], qos: 0, v5: true));
        var before = await raw.WaitForCloseAsync();

        var disconnect = Assert.Single(before);
        Assert.Equal((RawPacket.Disconnect, (byte)0x95), (disconnect.Type, disconnect.DisconnectReason));
    }

    [Fact]
    public async Task A_3_1_1_packet_above_the_Maximum_Packet_Size_closes_the_connection()
    {
        await using var raw = await RawMqttConnection.ConnectAsync(Port, 4, Unique.ClientId());

        await raw.TrySendAsync(RawPackets.Publish(Unique.Topic(), new byte[LimitsBrokerFixture.MaximumPacketSize], qos: 0));

        Assert.Empty(await raw.WaitForCloseAsync());
    }

    [Fact]
    public async Task A_topic_name_longer_than_MaxTopicLength_is_refused_with_0x90()
    {
        await using var raw = await RawMqttConnection.ConnectAsync(Port, 5, Unique.ClientId());

        await raw.TrySendAsync(RawPackets.Publish(TopicOfLength(LimitsBrokerFixture.MaxTopicLength + 1), "x", qos: 1, packetId: 1, v5: true));
        var packet = await raw.ReceiveOrCloseAsync();

        // Topic Name invalid, either on the PUBACK or as the DISCONNECT reason
        Assert.NotNull(packet);
        Assert.True(packet is { Type: RawPacket.PubAck, AckReason: 0x90 } or { Type: RawPacket.Disconnect, DisconnectReason: 0x90 }, $"unexpected {packet}");
    }

    [Fact]
    public async Task A_topic_name_of_exactly_MaxTopicLength_is_accepted()
    {
        await using var raw = await RawMqttConnection.ConnectAsync(Port, 5, Unique.ClientId());

        await raw.SendAsync(RawPackets.Publish(TopicOfLength(LimitsBrokerFixture.MaxTopicLength), "x", qos: 1, packetId: 1, v5: true));
        var pubAck = await raw.ExpectAsync(RawPacket.PubAck);

        Assert.True(pubAck.AckReason < 0x80, $"PUBACK 0x{pubAck.AckReason:x2}");
    }

    [Fact]
    public async Task A_topic_name_with_more_than_MaxTopicLevels_levels_is_refused_with_0x90()
    {
        await using var raw = await RawMqttConnection.ConnectAsync(Port, 5, Unique.ClientId());

        await raw.TrySendAsync(RawPackets.Publish("a/b/c/d/e", "x", qos: 1, packetId: 1, v5: true));
        var packet = await raw.ReceiveOrCloseAsync();

        Assert.NotNull(packet);
        Assert.True(packet is { Type: RawPacket.PubAck, AckReason: 0x90 } or { Type: RawPacket.Disconnect, DisconnectReason: 0x90 }, $"unexpected {packet}");
    }

    [Theory]
    [InlineData(5, 0x8F)]
    [InlineData(4, 0x80)]
    public async Task A_filter_over_the_length_or_level_limit_gets_a_failure_code_in_SUBACK(int level, byte expected)
    {
        var v5 = level == 5;
        await using var raw = await RawMqttConnection.ConnectAsync(Port, level, Unique.ClientId());

        await raw.SendAsync(RawPackets.Subscribe(1, v5, (TopicOfLength(LimitsBrokerFixture.MaxTopicLength + 1), 1), ("a/b/c/d/+", 1), ("a/b/c/#", 1)));
        var subAck = await raw.ExpectAsync(RawPacket.SubAck);

        Assert.Equal([expected, expected, 1], subAck.AckReasonCodes(v5));
    }

    [Theory]
    [InlineData(5, 0x97)] // Quota exceeded
    [InlineData(4, 0x80)]
    public async Task Subscriptions_beyond_MaxSubscriptionsPerClient_are_refused_in_SUBACK(int level, byte expected)
    {
        var v5 = level == 5;
        var root = Unique.Topic();
        await using var raw = await RawMqttConnection.ConnectAsync(Port, level, Unique.ClientId());

        await raw.SendAsync(RawPackets.Subscribe(1, v5, ($"{root}/1", 1), ($"{root}/2", 1), ($"{root}/3", 1)));
        Assert.Equal([1, 1, 1], (await raw.ExpectAsync(RawPacket.SubAck)).AckReasonCodes(v5));
        await raw.SendAsync(RawPackets.Subscribe(2, v5, ($"{root}/4", 1)));
        Assert.Equal([expected], (await raw.ExpectAsync(RawPacket.SubAck)).AckReasonCodes(v5));

        // replacing an existing subscription does not count as a new one [MQTT-3.8.4-3]
        await raw.SendAsync(RawPackets.Subscribe(3, v5, ($"{root}/2", 2)));
        Assert.Equal([2], (await raw.ExpectAsync(RawPacket.SubAck)).AckReasonCodes(v5));
        // and an unsubscribe frees a slot
        await raw.SendAsync(RawPackets.Unsubscribe(4, v5, $"{root}/1"));
        await raw.ExpectAsync(RawPacket.UnsubAck);
        await raw.SendAsync(RawPackets.Subscribe(5, v5, ($"{root}/4", 1)));
        Assert.Equal([1], (await raw.ExpectAsync(RawPacket.SubAck)).AckReasonCodes(v5));
    }

    [Theory]
    [InlineData(4, 1)]
    [InlineData(4, 2)]
    [InlineData(5, 1)]
    [InlineData(5, 2)]
    public async Task The_broker_keeps_at_most_MaxInflightMessages_unacknowledged_to_a_client(int level, int qos)
    {
        await using var own = await TestBroker.StartAsync(new BrokerOptions { MaxInflightMessages = 3 });
        var topic = Unique.Topic();
        var v5 = level == 5;
        await using var subscriber = await RawMqttConnection.ConnectAsync(own.Port, level, Unique.ClientId()); // no Receive Maximum of its own
        await subscriber.SendAsync(RawPackets.Subscribe(1, v5, (topic, (byte)qos)));
        await subscriber.ExpectAsync(RawPacket.SubAck);
        await using var publisher = await TestClient.ConnectAsync(own.Port);
        for (var i = 0; i < 10; i++)
        {
            await publisher.PublishAsync(topic, $"{i}", Q.Of(qos));
        }

        var (received, maxOutstanding) = await InflightWindowProbe.RunAsync(subscriber, v5, qos, window: 3, total: 10);

        Assert.Equal(Enumerable.Range(0, 10).Select(i => $"{i}"), received);
        Assert.Equal(3, maxOutstanding);
    }
}
