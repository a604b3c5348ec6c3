using System.Diagnostics;

namespace ClusterBroker.IntegrationTests;

/// <summary>
/// Bad input closes only the offending connection, with DISCONNECT and the right reason code where
/// 5.0; a bystander connected before keeps working and new connections are still accepted.
/// </summary>
public sealed class Malformed_Input_Tests(MalformedInputBrokerFixture broker) : IClassFixture<MalformedInputBrokerFixture>
{
    private int Port => broker.Port;

    /// <summary>Sends the bytes on an established connection of the level and returns what the broker sent before closing.</summary>
    private async Task<IReadOnlyList<RawPacket>> SendAfterConnectAsync(int level, byte[] bytes, Bystander bystander)
    {
        await using var raw = await RawMqttConnection.ConnectAsync(Port, level, Unique.ClientId());
        await raw.TrySendAsync(bytes);
        var before = await raw.WaitForCloseAsync();
        await bystander.AssertStillServedAsync();
        await AssertLoggedOnceWithTheRuleAsync(raw);
        return before;
    }

    /// <summary>The rejection is logged once, naming the connection (its address) and the rule ("[MQTT-...]").</summary>
    private async Task AssertLoggedOnceWithTheRuleAsync(RawMqttConnection raw)
    {
        var endPoint = $":{raw.LocalPort}";
        await Eventually.AssertAsync(() => broker.Broker.Logs.WarningsMentioning(endPoint).Count > 0, $"a warning about the connection from port {raw.LocalPort}");
        var entries = broker.Broker.Logs.WarningsMentioning(endPoint);
        var entry = Assert.Single(entries);
        Assert.Matches(@"MQTT-\d+\.\d+", entry.Message);
    }

    private static void AssertSingleDisconnect(IReadOnlyList<RawPacket> before, params byte[] allowedReasons)
    {
        var disconnect = Assert.Single(before);
        Assert.Equal(RawPacket.Disconnect, disconnect.Type);
        Assert.True(allowedReasons.Contains(disconnect.DisconnectReason), $"DISCONNECT reason 0x{disconnect.DisconnectReason:x2}, expected one of {string.Join(", ", allowedReasons.Select(r => $"0x{r:x2}"))}");
    }

    [Fact]
    public async Task A_malformed_remaining_length_is_answered_with_DISCONNECT_0x81_MQTT_1_5_5()
    {
        await using var bystander = await Bystander.StartAsync(Port);

        // a variable byte integer of five bytes [MQTT-1.5.5-1]
        var before = await SendAfterConnectAsync(5, [0x30, 0xFF, 0xFF, 0xFF, 0xFF, 0x01], bystander);

        AssertSingleDisconnect(before, 0x81);
    }

    [Fact]
    public async Task A_malformed_remaining_length_closes_a_3_1_1_connection_without_a_packet()
    {
        await using var bystander = await Bystander.StartAsync(Port);

        var before = await SendAfterConnectAsync(4, [0x30, 0xFF, 0xFF, 0xFF, 0xFF, 0x01], bystander);

        Assert.Empty(before);
    }

    [Fact]
    public async Task A_packet_before_CONNECT_closes_the_connection_MQTT_3_1_0_1()
    {
        await using var bystander = await Bystander.StartAsync(Port);
        await using var raw = await RawMqttConnection.OpenAsync(Port);

        await raw.TrySendAsync(RawPackets.Publish(Unique.Topic(), "too early", qos: 1, packetId: 1));
        var before = await raw.WaitForCloseAsync();

        Assert.Empty(before);
        await bystander.AssertStillServedAsync();
        await AssertLoggedOnceWithTheRuleAsync(raw);
    }

    [Theory]
    [InlineData("a/+/b")]
    [InlineData("a/#")]
    [InlineData("+")]
    public async Task A_wildcard_in_a_PUBLISH_topic_is_answered_with_DISCONNECT_0x90_MQTT_3_3_2_2(string topic)
    {
        await using var bystander = await Bystander.StartAsync(Port);

        var before = await SendAfterConnectAsync(5, RawPackets.Publish(topic, "x", qos: 1, packetId: 1, v5: true), bystander);

        AssertSingleDisconnect(before, 0x90);
    }

    [Fact]
    public async Task A_wildcard_in_a_3_1_1_PUBLISH_topic_closes_the_connection()
    {
        await using var bystander = await Bystander.StartAsync(Port);

        var before = await SendAfterConnectAsync(4, RawPackets.Publish("a/+", "x", qos: 1, packetId: 1), bystander);

        Assert.Empty(before);
    }

    [Fact]
    public async Task An_oversized_packet_is_answered_with_DISCONNECT_0x95()
    {
        await using var bystander = await Bystander.StartAsync(Port);

        var before = await SendAfterConnectAsync(5, RawPackets.Publish(Unique.Topic(), new byte[MalformedInputBrokerFixture.MaximumPacketSize * 2], qos: 0, v5: true), bystander);

        AssertSingleDisconnect(before, 0x95);
    }

    [Fact]
    public async Task An_oversized_packet_announced_only_by_its_header_is_refused_before_the_body_arrives()
    {
        await using var bystander = await Bystander.StartAsync(Port);

        // remaining length 100 MB, but only the fixed header is sent
        var before = await SendAfterConnectAsync(5, [0x30, .. RawPackets.VarInt(100_000_000)], bystander);

        AssertSingleDisconnect(before, 0x95);
    }

    public static TheoryData<string, byte[]> ReservedFlagPackets => new()
    {
        { "SUBSCRIBE with flags 0000 [MQTT-3.8.1-1]", RawPackets.Packet(0x80, RawPackets.U16(1), [0], RawPackets.Utf8("a/b"), [1]) },
        { "PUBREL with flags 0000 [MQTT-3.6.1-1]", RawPackets.Packet(0x60, RawPackets.U16(1)) },
        { "PINGREQ with flags 0001 [MQTT-2.1.3-1]", [0xC1, 0x00] },
        { "PUBLISH with QoS 3 [MQTT-3.3.1-4]", RawPackets.Packet(0x36, RawPackets.Utf8("a/b"), RawPackets.U16(1), [0], "x"u8.ToArray()) },
        { "SUBSCRIBE options with reserved bits 6-7 set [MQTT-3.8.3-5]", RawPackets.Subscribe(1, true, ("a/b", 0xC1)) },
    };

    [Theory]
    [MemberData(nameof(ReservedFlagPackets))]
    public async Task A_reserved_flag_set_is_answered_with_DISCONNECT_0x81(string description, byte[] packet)
    {
        await using var bystander = await Bystander.StartAsync(Port);

        var before = await SendAfterConnectAsync(5, packet, bystander);

        Assert.False(string.IsNullOrEmpty(description));
        AssertSingleDisconnect(before, 0x81);
    }

    [Fact]
    public async Task A_QoS_0_PUBLISH_with_DUP_set_closes_the_connection_MQTT_3_3_1_2()
    {
        await using var bystander = await Bystander.StartAsync(Port);

        var before = await SendAfterConnectAsync(5, RawPackets.Packet(0x38, RawPackets.Utf8("a/b"), [0], "x"u8.ToArray()), bystander);

        // not a reserved bit but a rule on a flag: Malformed Packet or Protocol Error
        AssertSingleDisconnect(before, 0x81, 0x82);
    }

    [Fact]
    public async Task A_reserved_flag_set_closes_a_3_1_1_connection()
    {
        await using var bystander = await Bystander.StartAsync(Port);

        var before = await SendAfterConnectAsync(4, RawPackets.Packet(0x80, RawPackets.U16(1), RawPackets.Utf8("a/b"), [1]), bystander);

        Assert.Empty(before);
    }

    [Fact]
    public async Task Garbage_instead_of_CONNECT_closes_the_connection()
    {
        await using var bystander = await Bystander.StartAsync(Port);
        await using var raw = await RawMqttConnection.OpenAsync(Port);

        await raw.TrySendAsync("GET / HTTP/1.1\r\nHost: localhost\r\n\r\n"u8.ToArray());
        var before = await raw.WaitForCloseAsync();

        Assert.All(before, p => Assert.True(p.Type == RawPacket.ConnAck && p.ConnAckCode >= 0x80, $"unexpected {p}"));
        await bystander.AssertStillServedAsync();
        await AssertLoggedOnceWithTheRuleAsync(raw);
    }

    [Fact]
    public async Task Garbage_bytes_after_CONNECT_are_answered_with_DISCONNECT_0x81()
    {
        await using var bystander = await Bystander.StartAsync(Port);

        // packet type 0 is reserved [MQTT-2.1.2]; followed by random bytes
        var garbage = new byte[64];
        new Random(42).NextBytes(garbage);
        var before = await SendAfterConnectAsync(5, [0x00, 0x02, 0xDE, 0xAD, .. garbage], bystander);

        AssertSingleDisconnect(before, 0x81, 0x82);
    }

    [Fact]
    public async Task A_half_sent_packet_then_silence_is_closed_by_keep_alive()
    {
        await using var bystander = await Bystander.StartAsync(Port);
        await using var raw = await RawMqttConnection.ConnectAsync(Port, 5, Unique.ClientId(), keepAlive: 1);
        var clock = Stopwatch.StartNew();

        // fixed header announcing 100 bytes, then 5 of them, then nothing
        await raw.SendAsync([0x30, 100, 0x00, 0x03, (byte)'a', (byte)'/', (byte)'b']);
        var before = await raw.WaitForCloseAsync(TimeSpan.FromSeconds(8));

        Assert.True(clock.Elapsed <= TimeSpan.FromSeconds(5), $"closed after {clock.Elapsed}, expected about 1.5 s");
        Assert.All(before, p => Assert.True(p.Type == RawPacket.Disconnect && p.DisconnectReason is 0x8D or 0x81, $"unexpected {p}"));
        await bystander.AssertStillServedAsync();
        await AssertLoggedOnceWithTheRuleAsync(raw);
    }

    [Fact]
    public async Task A_half_sent_CONNECT_then_silence_is_closed_after_the_connect_timeout()
    {
        await using var bystander = await Bystander.StartAsync(Port);
        await using var raw = await RawMqttConnection.OpenAsync(Port);
        var connect = RawPackets.Connect(5, Unique.ClientId());
        var clock = Stopwatch.StartNew();

        await raw.SendAsync(connect[..(connect.Length / 2)]);
        var before = await raw.WaitForCloseAsync(MalformedInputBrokerFixture.ConnectTimeout + TimeSpan.FromSeconds(6));

        Assert.True(clock.Elapsed >= MalformedInputBrokerFixture.ConnectTimeout - TimeSpan.FromSeconds(0.5), $"closed after {clock.Elapsed}, before the connect timeout");
        Assert.Empty(before);
        await bystander.AssertStillServedAsync();
        await AssertLoggedOnceWithTheRuleAsync(raw);
    }

    [Fact]
    public async Task A_connection_that_never_sends_CONNECT_is_closed_after_the_connect_timeout()
    {
        await using var raw = await RawMqttConnection.OpenAsync(Port);

        var before = await raw.WaitForCloseAsync(MalformedInputBrokerFixture.ConnectTimeout + TimeSpan.FromSeconds(6));

        Assert.Empty(before);
    }

    public static TheoryData<string, byte[]> InvalidStrings => new()
    {
        { "ill-formed UTF-8 [MQTT-1.5.4-1]", [0x00, 0x03, (byte)'a', 0xC3, 0x28] },
        { "U+0000 [MQTT-1.5.4-2]", [0x00, 0x03, (byte)'a', 0x00, (byte)'b'] },
        { "a UTF-16 surrogate encoded in UTF-8 [MQTT-1.5.4-1]", [0x00, 0x04, (byte)'a', 0xED, 0xA0, 0x80] },
    };

    [Theory]
    [MemberData(nameof(InvalidStrings))]
    public async Task An_invalid_UTF_8_topic_is_answered_with_DISCONNECT_0x81(string description, byte[] topicField)
    {
        await using var bystander = await Bystander.StartAsync(Port);

        var before = await SendAfterConnectAsync(5, RawPackets.Packet(0x30, topicField, [0], "payload"u8.ToArray()), bystander);

        Assert.False(string.IsNullOrEmpty(description));
        AssertSingleDisconnect(before, 0x81);
    }

    [Fact]
    public async Task A_SUBSCRIBE_without_topic_filters_is_a_protocol_error_MQTT_3_8_3_2()
    {
        await using var bystander = await Bystander.StartAsync(Port);

        var before = await SendAfterConnectAsync(5, RawPackets.Packet(0x82, RawPackets.U16(1), [0]), bystander);

        AssertSingleDisconnect(before, 0x82, 0x81);
    }

    [Fact]
    public async Task A_QoS_1_PUBLISH_with_packet_identifier_0_is_refused_MQTT_2_2_1_3()
    {
        await using var bystander = await Bystander.StartAsync(Port);

        var before = await SendAfterConnectAsync(5, RawPackets.Publish(Unique.Topic(), "x", qos: 1, packetId: 0, v5: true), bystander);

        AssertSingleDisconnect(before, 0x81, 0x82);
    }

    [Fact]
    public async Task The_same_client_id_can_connect_again_after_its_connection_was_closed_for_bad_input()
    {
        var clientId = Unique.ClientId();
        await using (var raw = await RawMqttConnection.ConnectAsync(Port, 5, clientId))
        {
            await raw.TrySendAsync([0x30, 0xFF, 0xFF, 0xFF, 0xFF, 0x01]);
            await raw.WaitForCloseAsync();
        }

        await using var again = await TestClient.ConnectAsync(Port, clientId);

        await again.PingAsync();
    }
}
