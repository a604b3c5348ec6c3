namespace ClusterBroker.IntegrationTests;

/// <summary>A second connection with the same ClientId takes the session over [MQTT-3.1.4-3].</summary>
public sealed class Session_Takeover_Tests(BrokerFixture broker) : IClassFixture<BrokerFixture>
{
    private int Port => broker.Port;

    [Fact]
    public async Task A_second_connection_closes_the_first_with_DISCONNECT_0x8E_in_5_0_MQTT_3_1_4_3()
    {
        var clientId = Unique.ClientId();
        await using var first = await RawMqttConnection.ConnectAsync(Port, 5, clientId);

        await using var second = await RawMqttConnection.ConnectAsync(Port, 5, clientId);
        var before = await first.WaitForCloseAsync();

        var disconnect = Assert.Single(before);
        Assert.Equal(RawPacket.Disconnect, disconnect.Type);
        Assert.Equal(0x8E, disconnect.DisconnectReason);
        await second.SendAsync(RawPackets.PingReq());
        await second.ExpectAsync(RawPacket.PingResp);
    }

    [Fact]
    public async Task A_second_connection_closes_the_first_without_a_packet_in_3_1_1()
    {
        var clientId = Unique.ClientId();
        await using var first = await RawMqttConnection.ConnectAsync(Port, 4, clientId);

        await using var second = await RawMqttConnection.ConnectAsync(Port, 4, clientId);
        var before = await first.WaitForCloseAsync();

        Assert.Empty(before);
        await second.SendAsync(RawPackets.PingReq());
        await second.ExpectAsync(RawPacket.PingResp);
    }

    [Fact]
    public async Task The_MQTTnet_client_sees_the_takeover_as_Session_taken_over()
    {
        var clientId = Unique.ClientId();
        await using var first = await TestClient.ConnectAsync(Port, clientId);

        await using var second = await TestClient.ConnectAsync(Port, clientId);
        var disconnected = await first.Disconnected.WaitAsync(TestTimeouts.Default);

        Assert.Equal(MqttClientDisconnectReason.SessionTakenOver, disconnected.Reason);
        Assert.True(second.Client.IsConnected);
    }

    [Fact]
    public async Task Without_Clean_Start_the_new_connection_inherits_the_session_and_its_subscriptions()
    {
        var clientId = Unique.ClientId();
        var topic = Unique.Topic();
        await using var first = await TestClient.ConnectAsync(Port, clientId, configure: b => b.WithCleanStart(false).WithSessionExpiryInterval(300));
        await first.SubscribeAsync(topic, Q.Q1);

        await using var second = await TestClient.ConnectAsync(Port, clientId, configure: b => b.WithCleanStart(false).WithSessionExpiryInterval(300));
        Assert.True(second.ConnectResult.IsSessionPresent, "Session Present must be 1 [MQTT-3.2.2-2]");
        await using var publisher = await TestClient.ConnectAsync(Port);
        await publisher.PublishAsync(topic, "inherited", Q.Q1);

        var message = await second.Messages.WaitForAsync(m => m.Topic == topic, "the message on the inherited subscription");
        Assert.Equal("inherited", message.Payload);
    }

    [Fact]
    public async Task In_3_1_1_a_takeover_with_clean_session_0_inherits_the_session()
    {
        var clientId = Unique.ClientId();
        var topic = Unique.Topic();
        await using var first = await TestClient.ConnectAsync(Port, clientId, MqttProtocolVersion.V311, b => b.WithCleanSession(false));
        await first.SubscribeAsync(topic, Q.Q1);

        await using var second = await TestClient.ConnectAsync(Port, clientId, MqttProtocolVersion.V311, b => b.WithCleanSession(false));
        Assert.True(second.ConnectResult.IsSessionPresent);
        await using var publisher = await TestClient.ConnectAsync(Port);
        await publisher.PublishAsync(topic, "inherited", Q.Q1);

        await second.Messages.WaitForAsync(m => m.Payload == "inherited", "the message on the inherited subscription");
    }

    [Fact]
    public async Task With_Clean_Start_the_taken_over_session_is_discarded_MQTT_3_1_2_4()
    {
        var clientId = Unique.ClientId();
        var topic = Unique.Topic();
        var marker = Unique.Topic("marker");
        await using var first = await TestClient.ConnectAsync(Port, clientId, configure: b => b.WithCleanStart(false).WithSessionExpiryInterval(300));
        await first.SubscribeAsync(topic, Q.Q1);

        await using var second = await TestClient.ConnectAsync(Port, clientId, configure: b => b.WithCleanStart(true).WithSessionExpiryInterval(300));
        Assert.False(second.ConnectResult.IsSessionPresent);
        await second.SubscribeAsync(marker, Q.Q1);
        await using var publisher = await TestClient.ConnectAsync(Port);
        await publisher.PublishAsync(topic, "old-subscription", Q.Q1);
        await publisher.PublishAsync(marker, "marker", Q.Q1);

        await second.Messages.WaitForAsync(m => m.Topic == marker, "the marker");
        Assert.DoesNotContain(second.Messages.Snapshot(), m => m.Topic == topic);
    }

    [Fact]
    public async Task The_will_of_the_connection_taken_over_is_published()
    {
        var clientId = Unique.ClientId();
        var willTopic = Unique.Topic("will");
        await using var watcher = await TestClient.ConnectAsync(Port);
        await watcher.SubscribeAsync(willTopic, Q.Q1);
        await using var first = await RawMqttConnection.ConnectAsync(Port, 5, clientId, willTopic: willTopic, willPayload: "first-will", willQos: 1);

        await using var second = await RawMqttConnection.ConnectAsync(Port, 5, clientId, clean: true);
        await first.WaitForCloseAsync();

        var will = await watcher.Messages.WaitForAsync(m => m.Topic == willTopic, "the will of the taken over connection");
        Assert.Equal("first-will", will.Payload);
    }

    [Fact]
    public async Task An_unacknowledged_message_of_the_taken_over_connection_is_sent_again_with_DUP_on_the_new_one()
    {
        var clientId = Unique.ClientId();
        var topic = Unique.Topic();
        byte[][] session = [RawPackets.U32Property(MqttProperties.SessionExpiryInterval, 300)];
        await using var first = await RawMqttConnection.ConnectAsync(Port, 5, clientId, clean: false, properties: session);
        await first.SendAsync(RawPackets.Subscribe(1, true, (topic, 1)));
        await first.ExpectAsync(RawPacket.SubAck);
        await using var publisher = await TestClient.ConnectAsync(Port);
        await publisher.PublishAsync(topic, "in-flight", Q.Q1);
        var original = (await first.ExpectAsync(RawPacket.Publish)).DecodePublish(v5: true); // not acknowledged

        await using var second = await RawMqttConnection.ConnectAsync(Port, 5, clientId, clean: false, properties: session);

        Assert.True(second.LastConnAck!.ConnAckSessionPresent);
        var resent = (await second.ExpectAsync(RawPacket.Publish)).DecodePublish(v5: true);
        Assert.Equal(("in-flight", true, original.PacketId), (resent.PayloadText, resent.Dup, resent.PacketId));
        await second.SendAsync(RawPackets.PubAck(resent.PacketId));
        await first.WaitForCloseAsync();
    }

    [Fact]
    public async Task Concurrent_connections_with_one_client_id_leave_exactly_one_connected()
    {
        var clientId = Unique.ClientId();

        var connections = await Task.WhenAll(Enumerable.Range(0, 5).Select(_ => OpenAndConnectAsync(clientId)));
        try
        {
            await Eventually.AssertAsync(() => connections.Count(c => !c.IsClosed) == 1, "exactly one connection left open");
            var survivor = connections.Single(c => !c.IsClosed);
            await survivor.SendAsync(RawPackets.PingReq());
            await survivor.NextOfTypeAsync(RawPacket.PingResp);
            Assert.Equal(1, connections.Count(c => !c.IsClosed));
        }
        finally
        {
            foreach (var connection in connections)
            {
                await connection.DisposeAsync();
            }
        }
    }

    private async Task<RawMqttConnection> OpenAndConnectAsync(string clientId)
    {
        var connection = await RawMqttConnection.OpenAsync(Port);
        await connection.TrySendAsync(RawPackets.Connect(5, clientId));
        return connection;
    }
}
