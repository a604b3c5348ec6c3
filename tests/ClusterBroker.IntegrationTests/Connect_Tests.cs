using ClusterBroker.Core;
using ClusterBroker.Host.Security;

namespace ClusterBroker.IntegrationTests;

/// <summary>CONNECT and CONNACK: protocol levels, client identifier rules, return/reason codes, CONNECT first and once.</summary>
public sealed class Connect_Tests(BrokerFixture broker) : IClassFixture<BrokerFixture>
{
    private int Port => broker.Port;

    [Theory]
    [InlineData(MqttProtocolVersion.V310)]
    [InlineData(MqttProtocolVersion.V311)]
    [InlineData(MqttProtocolVersion.V500)]
    public async Task A_client_of_each_protocol_level_connects_on_the_same_port(MqttProtocolVersion version)
    {
        await using var client = await TestClient.ConnectAsync(Port, version: version);

        Assert.Equal(MqttClientConnectResultCode.Success, client.ConnectResult.ResultCode);
        await client.PingAsync();
    }

    [Fact]
    public async Task Clients_of_levels_3_4_and_5_exchange_messages_through_one_port()
    {
        var topic = Unique.Topic();
        await using var v3 = await TestClient.ConnectAsync(Port, version: MqttProtocolVersion.V310);
        await using var v4 = await TestClient.ConnectAsync(Port, version: MqttProtocolVersion.V311);
        await using var v5 = await TestClient.ConnectAsync(Port, version: MqttProtocolVersion.V500);
        await v3.SubscribeAsync(topic, Q.Q1);
        await v4.SubscribeAsync(topic, Q.Q1);
        await v5.SubscribeAsync(topic, Q.Q1);

        await v3.PublishAsync(topic, "from-3", Q.Q1);
        await v4.PublishAsync(topic, "from-4", Q.Q1);
        await v5.PublishAsync(topic, "from-5", Q.Q1);

        foreach (var client in new[] { v3, v4, v5 })
        {
            var received = await client.Messages.WaitForCountAsync(3);
            Assert.Equal(["from-3", "from-4", "from-5"], received.Select(m => m.Payload).Order());
        }
    }

    [Theory]
    [InlineData(3, 2)]
    [InlineData(4, 2)]
    public async Task A_3_1_and_3_1_1_CONNACK_has_exactly_two_bytes_and_code_0(int level, int expectedLength)
    {
        await using var raw = await RawMqttConnection.OpenAsync(Port);
        await raw.SendAsync(RawPackets.Connect(level, Unique.ClientId()));

        var connAck = await raw.ExpectAsync(RawPacket.ConnAck);

        Assert.Equal(0x20, connAck.FirstByte); // [MQTT-2.2.2-2] reserved flags 0
        Assert.Equal(expectedLength, connAck.Body.Length);
        Assert.Equal(0x00, connAck.ConnAckCode);
        Assert.False(connAck.ConnAckSessionPresent); // [MQTT-3.2.2-1] clean session -> session present 0
    }

    [Fact]
    public async Task A_5_0_CONNACK_carries_a_reason_code_and_a_property_block()
    {
        await using var raw = await RawMqttConnection.OpenAsync(Port);
        await raw.SendAsync(RawPackets.Connect(5, Unique.ClientId()));

        var connAck = await raw.ExpectAsync(RawPacket.ConnAck);

        Assert.Equal(0x00, connAck.ConnAckCode);
        Assert.True(connAck.Body.Length >= 3, "v5 CONNACK must have a property length");
        _ = connAck.ConnAckProperties(v5: true); // decodes without error
    }

    [Fact]
    public async Task An_unsupported_protocol_level_is_refused_and_the_connection_closed_MQTT_3_1_2_2()
    {
        await using var raw = await RawMqttConnection.OpenAsync(Port);
        var connect = RawPackets.Connect(4, Unique.ClientId());
        connect[8] = 9; // protocol level byte (after 2 header bytes and the 6-byte "MQTT" string)

        await raw.SendAsync(connect);
        var before = await raw.WaitForCloseAsync();

        // 3.1.1 answers 0x01 (unacceptable protocol version), 5.0 may answer 0x84; nothing else is allowed
        Assert.All(before, p => Assert.Equal(RawPacket.ConnAck, p.Type));
        Assert.All(before, p => Assert.Contains(p.ConnAckCode, new byte[] { 0x01, 0x84 }));
    }

    [Fact]
    public async Task An_unknown_protocol_name_closes_the_connection_MQTT_3_1_2_1()
    {
        await using var raw = await RawMqttConnection.OpenAsync(Port);
        var connect = RawPackets.Connect(4, Unique.ClientId());
        connect[7] = (byte)'X'; // "MQTT" -> "MQTX"

        await raw.SendAsync(connect);
        var before = await raw.WaitForCloseAsync();

        Assert.All(before, p => Assert.True(p.Type == RawPacket.ConnAck && p.ConnAckCode != 0, $"unexpected {p}"));
    }

    [Fact]
    public async Task An_empty_client_id_with_clean_session_is_accepted_in_3_1_1_MQTT_3_1_3_6()
    {
        await using var raw = await RawMqttConnection.OpenAsync(Port);
        await raw.SendAsync(RawPackets.Connect(4, "", clean: true));

        var connAck = await raw.ExpectAsync(RawPacket.ConnAck);

        Assert.Equal(0x00, connAck.ConnAckCode);
        await raw.SendAsync(RawPackets.PingReq());
        await raw.ExpectAsync(RawPacket.PingResp);
    }

    [Fact]
    public async Task An_empty_client_id_without_clean_session_is_rejected_with_0x02_in_3_1_1_MQTT_3_1_3_8()
    {
        await using var raw = await RawMqttConnection.OpenAsync(Port);
        await raw.SendAsync(RawPackets.Connect(4, "", clean: false));

        var before = await raw.WaitForCloseAsync();

        var connAck = Assert.Single(before);
        Assert.Equal(RawPacket.ConnAck, connAck.Type);
        Assert.Equal(0x02, connAck.ConnAckCode); // identifier rejected
        Assert.False(connAck.ConnAckSessionPresent); // [MQTT-3.2.2-4]
    }

    [Fact]
    public async Task An_empty_client_id_in_5_0_gets_an_Assigned_Client_Identifier_MQTT_3_2_2_16()
    {
        await using var raw = await RawMqttConnection.OpenAsync(Port);
        await raw.SendAsync(RawPackets.Connect(5, "", clean: true));

        var connAck = await raw.ExpectAsync(RawPacket.ConnAck);

        Assert.Equal(0x00, connAck.ConnAckCode);
        var assigned = connAck.ConnAckProperties(v5: true).Text(MqttProperties.AssignedClientIdentifier);
        Assert.False(string.IsNullOrEmpty(assigned), "CONNACK must carry an Assigned Client Identifier");
    }

    [Fact]
    public async Task Two_clients_with_empty_ids_get_different_assigned_identifiers()
    {
        await using var first = await TestClient.ConnectAsync(Port, clientId: "");
        await using var second = await TestClient.ConnectAsync(Port, clientId: "");

        Assert.False(string.IsNullOrEmpty(first.ConnectResult.AssignedClientIdentifier));
        Assert.False(string.IsNullOrEmpty(second.ConnectResult.AssignedClientIdentifier));
        Assert.NotEqual(first.ConnectResult.AssignedClientIdentifier, second.ConnectResult.AssignedClientIdentifier);
        // both stay connected (no takeover): each still answers a ping after the other connected
        await first.PingAsync();
        await second.PingAsync();
        Assert.True(first.Client.IsConnected && second.Client.IsConnected, "both stay connected (no takeover)");
    }

    [Fact]
    public async Task A_client_id_of_23_characters_and_a_longer_one_are_accepted_MQTT_3_1_3_5()
    {
        var id23 = "0123456789abcdefABCDEF0"[..23];
        await using var client23 = await TestClient.ConnectAsync(Port, clientId: id23 + Random.Shared.Next(10)); // unique per run
        await using var longer = await TestClient.ConnectAsync(Port, clientId: Unique.ClientId("a-client-identifier-longer-than-23-characters"));

        Assert.Equal(MqttClientConnectResultCode.Success, client23.ConnectResult.ResultCode);
        Assert.Equal(MqttClientConnectResultCode.Success, longer.ConnectResult.ResultCode);
    }

    [Fact]
    public async Task Anonymous_and_user_name_connections_are_allowed_by_default()
    {
        await using var anonymous = await TestClient.ConnectAsync(Port);
        await using var named = await TestClient.ConnectAsync(Port, configure: b => b.WithCredentials("user", "secret"));

        Assert.Equal(MqttClientConnectResultCode.Success, anonymous.ConnectResult.ResultCode);
        Assert.Equal(MqttClientConnectResultCode.Success, named.ConnectResult.ResultCode);
    }

    [Fact]
    public async Task A_password_without_a_user_name_in_3_1_1_closes_the_connection_MQTT_3_1_2_22()
    {
        await using var raw = await RawMqttConnection.OpenAsync(Port);
        await raw.SendAsync(RawPackets.Connect(4, Unique.ClientId(), password: "secret"));

        var before = await raw.WaitForCloseAsync();

        Assert.All(before, p => Assert.True(p.Type == RawPacket.ConnAck && p.ConnAckCode != 0, $"unexpected {p}"));
    }

    [Fact]
    public async Task The_reserved_CONNECT_flag_set_closes_the_connection_MQTT_3_1_2_3()
    {
        await using var raw = await RawMqttConnection.OpenAsync(Port);
        var connect = RawPackets.Connect(5, Unique.ClientId());
        connect[9] |= 0x01; // connect flags byte, bit 0 reserved

        await raw.SendAsync(connect);
        var before = await raw.WaitForCloseAsync();

        // before a CONNACK the server may answer CONNACK 0x81 (Malformed Packet); it must not accept
        Assert.All(before, p => Assert.True(p.Type == RawPacket.ConnAck && p.ConnAckCode >= 0x80, $"unexpected {p}"));
    }

    [Fact]
    public async Task A_second_CONNECT_in_5_0_is_a_protocol_error_answered_with_DISCONNECT_0x82_MQTT_3_1_0_2()
    {
        await using var raw = await RawMqttConnection.ConnectAsync(Port, 5, Unique.ClientId());

        await raw.SendAsync(RawPackets.Connect(5, Unique.ClientId()));
        var before = await raw.WaitForCloseAsync();

        var disconnect = Assert.Single(before);
        Assert.Equal(RawPacket.Disconnect, disconnect.Type);
        Assert.Equal(0x82, disconnect.DisconnectReason);
    }

    [Fact]
    public async Task A_second_CONNECT_in_3_1_1_closes_the_connection_without_a_CONNACK_MQTT_3_1_0_2()
    {
        await using var raw = await RawMqttConnection.ConnectAsync(Port, 4, Unique.ClientId());

        await raw.SendAsync(RawPackets.Connect(4, Unique.ClientId()));
        var before = await raw.WaitForCloseAsync();

        Assert.Empty(before);
    }

    [Fact]
    public async Task A_packet_before_CONNECT_closes_the_connection_MQTT_3_1_0_1()
    {
        await using var raw = await RawMqttConnection.OpenAsync(Port);

        await raw.SendAsync(RawPackets.Subscribe(1, false, ("a/b", 0)));
        var before = await raw.WaitForCloseAsync();

        Assert.Empty(before);
    }

    [Theory]
    [InlineData(4, 0x05)] // Connection Refused, not authorized
    [InlineData(5, 0x87)] // Not authorized
    public async Task Without_AllowAnonymous_a_CONNECT_without_user_name_is_refused(int level, byte expectedCode)
    {
        await using var own = await TestBroker.StartAsync(security: new SecurityOptions { AllowAnonymous = false, FailureDelay = TimeSpan.Zero });
        await using var raw = await RawMqttConnection.OpenAsync(own.Port);

        await raw.SendAsync(RawPackets.Connect(level, Unique.ClientId()));
        var before = await raw.WaitForCloseAsync();

        var connAck = Assert.Single(before);
        Assert.Equal((RawPacket.ConnAck, expectedCode), (connAck.Type, connAck.ConnAckCode));
        Assert.False(connAck.ConnAckSessionPresent); // [MQTT-3.2.2-6]
    }

    [Fact]
    public async Task The_MQTTnet_client_reports_a_refused_CONNECT()
    {
        await using var own = await TestBroker.StartAsync(security: new SecurityOptions { AllowAnonymous = false, FailureDelay = TimeSpan.Zero });

        // MQTTnet either returns the refused result or throws with the result code in the message
        string outcome;
        try
        {
            await using var client = await TestClient.ConnectAsync(own.Port);
            outcome = client.ConnectResult.ResultCode.ToString();
        }
        catch (MQTTnet.Adapter.MqttConnectingFailedException e)
        {
            outcome = e.Message;
        }

        Assert.Contains(nameof(MqttClientConnectResultCode.NotAuthorized), outcome);
    }

    public static TheoryData<string, byte[]> InvalidConnectProperties => new()
    {
        { "Receive Maximum 0 [MQTT-3.1.2.11.3]", RawPackets.U16Property(MqttProperties.ReceiveMaximum, 0) },
        { "Maximum Packet Size 0 [MQTT-3.1.2.11.4]", RawPackets.U32Property(MqttProperties.MaximumPacketSize, 0) },
        { "Session Expiry Interval twice [MQTT-3.1.2.11.2]", [.. RawPackets.U32Property(MqttProperties.SessionExpiryInterval, 1), .. RawPackets.U32Property(MqttProperties.SessionExpiryInterval, 2)] },
        { "Request Problem Information 2 [MQTT-3.1.2.11.7]", RawPackets.ByteProperty(MqttProperties.RequestProblemInformation, 2) },
    };

    [Theory]
    [MemberData(nameof(InvalidConnectProperties))]
    public async Task An_invalid_CONNECT_property_is_refused_with_CONNACK_0x82_or_0x81(string description, byte[] property)
    {
        await using var raw = await RawMqttConnection.OpenAsync(Port);

        await raw.TrySendAsync(RawPackets.Connect(5, Unique.ClientId(), properties: [property]));
        var before = await raw.WaitForCloseAsync();

        Assert.False(string.IsNullOrEmpty(description));
        Assert.All(before, p => Assert.True(p.Type == RawPacket.ConnAck && p.ConnAckCode is 0x82 or 0x81, $"unexpected {p}"));
    }

    [Theory]
    [InlineData(4)]
    [InlineData(5)]
    public async Task A_will_QoS_of_3_is_refused_MQTT_3_1_2_12(int level)
    {
        await using var raw = await RawMqttConnection.OpenAsync(Port);
        var connect = RawPackets.Connect(level, Unique.ClientId(), willTopic: Unique.Topic(), willPayload: "w");
        connect[9] |= 0x18; // will QoS bits 3-4 = 11

        await raw.TrySendAsync(connect);
        var before = await raw.WaitForCloseAsync();

        Assert.All(before, p => Assert.True(p.Type == RawPacket.ConnAck && p.ConnAckCode != 0, $"unexpected {p}"));
    }

    [Fact]
    public async Task Will_QoS_without_the_will_flag_is_refused_MQTT_3_1_2_11()
    {
        await using var raw = await RawMqttConnection.OpenAsync(Port);
        var connect = RawPackets.Connect(4, Unique.ClientId());
        connect[9] |= 0x08; // will QoS 1, will flag 0

        await raw.TrySendAsync(connect);
        var before = await raw.WaitForCloseAsync();

        Assert.All(before, p => Assert.True(p.Type == RawPacket.ConnAck && p.ConnAckCode != 0, $"unexpected {p}"));
    }
}
