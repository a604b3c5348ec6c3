using ClusterBroker.Core;

namespace ClusterBroker.IntegrationTests;

/// <summary>Persistent sessions: subscriptions kept, QoS 1/2 queued while offline, Session Present, Session Expiry, queue bound.</summary>
public sealed class Persistent_Session_Tests(BrokerFixture broker) : IClassFixture<BrokerFixture>
{
    private int Port => broker.Port;

    private static Action<MqttClientOptionsBuilder> Persistent(uint expiry = 300) => b => b.WithCleanStart(false).WithSessionExpiryInterval(expiry);

    [Fact]
    public async Task Subscriptions_survive_a_reconnect_and_Session_Present_is_1_MQTT_3_2_2_2()
    {
        var clientId = Unique.ClientId();
        var topic = Unique.Topic();
        await using (var first = await TestClient.ConnectAsync(Port, clientId, configure: Persistent()))
        {
            Assert.False(first.ConnectResult.IsSessionPresent);
            await first.SubscribeAsync(topic, Q.Q1);
            await first.DisconnectAsync();
        }

        await using var again = await TestClient.ConnectAsync(Port, clientId, configure: Persistent());
        Assert.True(again.ConnectResult.IsSessionPresent);
        await using var publisher = await TestClient.ConnectAsync(Port);
        await publisher.PublishAsync(topic, "kept", Q.Q1);

        await again.Messages.WaitForAsync(m => m.Payload == "kept", "a message on the kept subscription");
    }

    [Theory]
    [InlineData(MqttProtocolVersion.V311)]
    [InlineData(MqttProtocolVersion.V500)]
    public async Task QoS_1_and_2_messages_published_while_offline_are_delivered_in_order_on_return(MqttProtocolVersion version)
    {
        var clientId = Unique.ClientId();
        var topic = Unique.Topic();
        Action<MqttClientOptionsBuilder> persistent = version == MqttProtocolVersion.V500 ? Persistent() : b => b.WithCleanSession(false);
        await using (var first = await TestClient.ConnectAsync(Port, clientId, version, persistent))
        {
            await first.SubscribeAsync(topic, Q.Q2);
            await first.DisconnectAsync();
        }
        await using var publisher = await TestClient.ConnectAsync(Port);
        for (var i = 0; i < 20; i++)
        {
            await publisher.PublishAsync(topic, $"m{i:D2}", i % 2 == 0 ? Q.Q1 : Q.Q2);
        }

        await using var again = await TestClient.ConnectAsync(Port, clientId, version, persistent);

        Assert.True(again.ConnectResult.IsSessionPresent);
        var received = await again.Messages.WaitForCountAsync(20);
        Assert.Equal(Enumerable.Range(0, 20).Select(i => $"m{i:D2}"), received.Select(m => m.Payload));
        Assert.Equal(Enumerable.Range(0, 20).Select(i => i % 2 == 0 ? 1 : 2), received.Select(m => m.Qos));
    }

    [Fact]
    public async Task Clean_Start_discards_the_previous_session_and_Session_Present_is_0_MQTT_3_1_2_4()
    {
        var clientId = Unique.ClientId();
        var topic = Unique.Topic();
        var marker = Unique.Topic("marker");
        await using (var first = await TestClient.ConnectAsync(Port, clientId, configure: Persistent()))
        {
            await first.SubscribeAsync(topic, Q.Q1);
            await first.DisconnectAsync();
        }
        await using var publisher = await TestClient.ConnectAsync(Port);
        await publisher.PublishAsync(topic, "queued-for-old-session", Q.Q1);

        await using var fresh = await TestClient.ConnectAsync(Port, clientId, configure: b => b.WithCleanStart(true).WithSessionExpiryInterval(300));
        Assert.False(fresh.ConnectResult.IsSessionPresent);
        await fresh.SubscribeAsync(marker, Q.Q1);
        await publisher.PublishAsync(topic, "after-clean-start", Q.Q1);
        await publisher.PublishAsync(marker, "marker", Q.Q1);

        await fresh.Messages.WaitForAsync(m => m.Topic == marker, "the marker");
        Assert.DoesNotContain(fresh.Messages.Snapshot(), m => m.Topic == topic);
    }

    [Fact]
    public async Task With_Session_Expiry_0_the_session_ends_when_the_connection_closes_MQTT_3_1_2_23()
    {
        var clientId = Unique.ClientId();
        await using (var first = await TestClient.ConnectAsync(Port, clientId, configure: b => b.WithCleanStart(false).WithSessionExpiryInterval(0)))
        {
            await first.SubscribeAsync(Unique.Topic(), Q.Q1);
            await first.DisconnectAsync();
        }

        await using var again = await TestClient.ConnectAsync(Port, clientId, configure: b => b.WithCleanStart(false));

        Assert.False(again.ConnectResult.IsSessionPresent);
    }

    [Fact]
    public async Task A_session_expires_after_its_Session_Expiry_Interval()
    {
        var clientId = Unique.ClientId();
        var topic = Unique.Topic();
        await using (var first = await TestClient.ConnectAsync(Port, clientId, configure: Persistent(expiry: 1)))
        {
            await first.SubscribeAsync(topic, Q.Q1);
            await first.DisconnectAsync();
        }
        await using var publisher = await TestClient.ConnectAsync(Port);
        await publisher.PublishAsync(topic, "for-a-session-that-expires", Q.Q1);

        // the passing of the 1 s interval is the behaviour under test, so the test lets it pass
        await Task.Delay(TimeSpan.FromSeconds(2.5));
        await using var again = await TestClient.ConnectAsync(Port, clientId, configure: Persistent());

        Assert.False(again.ConnectResult.IsSessionPresent);
        var marker = Unique.Topic("marker");
        await again.SubscribeAsync(marker, Q.Q1);
        await publisher.PublishAsync(marker, "marker", Q.Q1);
        await again.Messages.WaitForAsync(m => m.Topic == marker, "the marker");
        Assert.DoesNotContain(again.Messages.Snapshot(), m => m.Topic == topic);
    }

    [Fact]
    public async Task Session_Expiry_set_to_0_at_DISCONNECT_ends_the_session()
    {
        var clientId = Unique.ClientId();
        var properties = new[] { RawPackets.U32Property(MqttProperties.SessionExpiryInterval, 300) };
        await using (var raw = await RawMqttConnection.ConnectAsync(Port, 5, clientId, clean: false, properties: properties))
        {
            await raw.SendAsync(RawPackets.Subscribe(1, true, (Unique.Topic(), 1)));
            await raw.ExpectAsync(RawPacket.SubAck);
            await raw.SendAsync(RawPackets.Disconnect(0x00, [RawPackets.U32Property(MqttProperties.SessionExpiryInterval, 0)]));
            Assert.Empty(await raw.WaitForCloseAsync());
        }

        await using var again = await RawMqttConnection.ConnectAsync(Port, 5, clientId, clean: false, properties: properties);

        Assert.False(again.LastConnAck!.ConnAckSessionPresent);
    }

    [Fact]
    public async Task A_non_zero_Session_Expiry_at_DISCONNECT_after_0_in_CONNECT_is_a_protocol_error_and_the_will_is_published_MQTT_3_14_2_2()
    {
        var willTopic = Unique.Topic("will");
        await using var watcher = await TestClient.ConnectAsync(Port);
        await watcher.SubscribeAsync(willTopic, Q.Q1);
        await using var raw = await RawMqttConnection.ConnectAsync(Port, 5, Unique.ClientId(), willTopic: willTopic, willPayload: "will");

        await raw.SendAsync(RawPackets.Disconnect(0x00, [RawPackets.U32Property(MqttProperties.SessionExpiryInterval, 300)]));
        var before = await raw.WaitForCloseAsync();

        Assert.All(before, p => Assert.True(p.Type == RawPacket.Disconnect && p.DisconnectReason == 0x82, $"unexpected {p}"));
        // not a valid DISCONNECT, so the will is not discarded [MQTT-3.1.2-10 applies only to a valid one]
        await watcher.Messages.WaitForAsync(m => m.Topic == willTopic, "the will");
    }

    [Fact]
    public async Task An_unacknowledged_QoS_1_message_is_sent_again_with_DUP_on_reconnect_MQTT_4_4_0_1()
    {
        var clientId = Unique.ClientId();
        var topic = Unique.Topic();
        var properties = new[] { RawPackets.U32Property(MqttProperties.SessionExpiryInterval, 300) };
        DecodedPublish original;
        await using (var raw = await RawMqttConnection.ConnectAsync(Port, 5, clientId, clean: false, properties: properties))
        {
            await raw.SendAsync(RawPackets.Subscribe(1, true, (topic, 1)));
            await raw.ExpectAsync(RawPacket.SubAck);
            await using var publisher = await TestClient.ConnectAsync(Port);
            await publisher.PublishAsync(topic, "unacked", Q.Q1);
            var publish = await raw.ExpectAsync(RawPacket.Publish);
            original = publish.DecodePublish(v5: true);
            Assert.False(original.Dup);
            raw.Drop(); // no PUBACK
        }

        await using var again = await RawMqttConnection.ConnectAsync(Port, 5, clientId, clean: false, properties: properties);

        Assert.True(again.LastConnAck!.ConnAckSessionPresent);
        var resent = (await again.ExpectAsync(RawPacket.Publish)).DecodePublish(v5: true);
        Assert.True(resent.Dup, "a re-sent PUBLISH must have DUP set [MQTT-3.3.1-1]");
        Assert.Equal(original.PacketId, resent.PacketId);
        Assert.Equal("unacked", resent.PayloadText);
        Assert.Equal(1, resent.Qos);
        await again.SendAsync(RawPackets.PubAck(resent.PacketId));
    }

    [Fact]
    public async Task A_QoS_2_flow_interrupted_after_PUBREC_resumes_with_PUBREL_on_reconnect_MQTT_4_4_0_1()
    {
        var clientId = Unique.ClientId();
        var topic = Unique.Topic();
        var properties = new[] { RawPackets.U32Property(MqttProperties.SessionExpiryInterval, 300) };
        ushort packetId;
        await using (var raw = await RawMqttConnection.ConnectAsync(Port, 5, clientId, clean: false, properties: properties))
        {
            await raw.SendAsync(RawPackets.Subscribe(1, true, (topic, 2)));
            await raw.ExpectAsync(RawPacket.SubAck);
            await using var publisher = await TestClient.ConnectAsync(Port);
            await publisher.PublishAsync(topic, "exactly-once", Q.Q2);
            var publish = (await raw.ExpectAsync(RawPacket.Publish)).DecodePublish(v5: true);
            packetId = publish.PacketId;
            await raw.SendAsync(RawPackets.PubRec(packetId));
            var pubRel = await raw.ExpectAsync(RawPacket.PubRel);
            Assert.Equal(packetId, pubRel.PacketId);
            raw.Drop(); // no PUBCOMP
        }

        await using var again = await RawMqttConnection.ConnectAsync(Port, 5, clientId, clean: false, properties: properties);

        var resent = await again.ExpectAsync(RawPacket.PubRel);
        Assert.Equal(0x62, resent.FirstByte);
        Assert.Equal(packetId, resent.PacketId);
        await again.SendAsync(RawPackets.PubComp(packetId));
        await again.SendAsync(RawPackets.PingReq());
        // the message itself is not sent again once the PUBREL was sent: next packet is the PINGRESP
        await again.ExpectAsync(RawPacket.PingResp);
    }

    [Theory]
    [InlineData(QueueDropPolicy.DropOldest, 7)]
    [InlineData(QueueDropPolicy.DropNewest, 0)]
    public async Task The_offline_queue_is_bounded_and_drops_by_its_policy(QueueDropPolicy policy, int firstKept)
    {
        await using var own = await TestBroker.StartAsync(new BrokerOptions { MaxQueuedMessagesPerSession = 5, QueueDropPolicy = policy });
        var clientId = Unique.ClientId();
        var topic = Unique.Topic();
        await using (var first = await TestClient.ConnectAsync(own.Port, clientId, configure: Persistent()))
        {
            await first.SubscribeAsync(topic, Q.Q1);
            await first.DisconnectAsync();
        }
        await using var publisher = await TestClient.ConnectAsync(own.Port);
        for (var i = 0; i < 12; i++)
        {
            await publisher.PublishAsync(topic, $"m{i:D2}", Q.Q1);
        }

        await using var again = await TestClient.ConnectAsync(own.Port, clientId, configure: Persistent());
        await again.Messages.WaitForCountAsync(5);
        await publisher.PublishAsync(topic, "marker", Q.Q1);
        var all = await again.Messages.WaitUntilAsync(list => list.Any(m => m.Payload == "marker"), "the marker");

        // exactly the bound, in order: m07..m11 when the oldest are dropped, m00..m04 when the newest are
        var delivered = all.TakeWhile(m => m.Payload != "marker").Select(m => m.Payload);
        Assert.Equal(Enumerable.Range(firstKept, 5).Select(i => $"m{i:D2}"), delivered);
        Assert.NotEmpty(own.Logs.WarningsMentioning(clientId)); // the drops are logged
    }

    [Fact]
    public async Task A_session_created_by_a_3_1_1_client_is_resumed_by_a_5_0_client_with_the_same_id()
    {
        var clientId = Unique.ClientId();
        var topic = Unique.Topic();
        await using (var first = await TestClient.ConnectAsync(Port, clientId, MqttProtocolVersion.V311, b => b.WithCleanSession(false)))
        {
            await first.SubscribeAsync(topic, Q.Q1);
            await first.DisconnectAsync();
        }
        await using var publisher = await TestClient.ConnectAsync(Port);
        await publisher.PublishAsync(topic, "queued-for-3.1.1", Q.Q1);

        await using var again = await TestClient.ConnectAsync(Port, clientId, configure: Persistent());

        Assert.True(again.ConnectResult.IsSessionPresent);
        await again.Messages.WaitForAsync(m => m.Payload == "queued-for-3.1.1", "the queued message");
    }

    [Fact]
    public async Task Queued_messages_arrive_before_messages_published_after_the_reconnect()
    {
        var clientId = Unique.ClientId();
        var topic = Unique.Topic();
        await using (var first = await TestClient.ConnectAsync(Port, clientId, configure: Persistent()))
        {
            await first.SubscribeAsync(topic, Q.Q1);
            await first.DisconnectAsync();
        }
        await using var publisher = await TestClient.ConnectAsync(Port);
        for (var i = 0; i < 10; i++)
        {
            await publisher.PublishAsync(topic, $"queued-{i}", Q.Q1);
        }

        await using var again = await TestClient.ConnectAsync(Port, clientId, configure: Persistent());
        for (var i = 0; i < 5; i++)
        {
            await publisher.PublishAsync(topic, $"live-{i}", Q.Q1);
        }

        var received = await again.Messages.WaitForCountAsync(15);
        var expected = Enumerable.Range(0, 10).Select(i => $"queued-{i}").Concat(Enumerable.Range(0, 5).Select(i => $"live-{i}"));
        Assert.Equal(expected, received.Select(m => m.Payload));
    }

    [Fact]
    public async Task Subscription_identifiers_are_kept_with_the_session()
    {
        var clientId = Unique.ClientId();
        var topic = Unique.Topic();
        await using (var first = await TestClient.ConnectAsync(Port, clientId, configure: Persistent()))
        {
            await first.SubscribeAsync(new MqttClientSubscribeOptionsBuilder().WithTopicFilter(topic, Q.Q1).WithSubscriptionIdentifier(77).Build());
            await first.DisconnectAsync();
        }
        await using var publisher = await TestClient.ConnectAsync(Port);
        await publisher.PublishAsync(topic, "offline", Q.Q1);

        await using var again = await TestClient.ConnectAsync(Port, clientId, configure: Persistent());
        await publisher.PublishAsync(topic, "online", Q.Q1);

        var received = await again.Messages.WaitForCountAsync(2);
        Assert.All(received, m => Assert.Equal([77u], m.Message.SubscriptionIdentifiers));
    }

    [Fact]
    public async Task A_Session_Expiry_above_the_broker_maximum_is_capped_and_announced_in_CONNACK_MQTT_3_2_2_18()
    {
        await using var own = await TestBroker.StartAsync(new BrokerOptions { MaximumSessionExpiryInterval = 600 });

        await using var raw = await RawMqttConnection.ConnectAsync(own.Port, 5, Unique.ClientId(), clean: false,
            properties: [RawPackets.U32Property(MqttProperties.SessionExpiryInterval, uint.MaxValue)]);

        Assert.Equal(600u, raw.LastConnAck!.ConnAckProperties(v5: true).Number(MqttProperties.SessionExpiryInterval));
    }
}
