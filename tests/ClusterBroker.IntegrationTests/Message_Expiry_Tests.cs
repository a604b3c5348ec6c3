namespace ClusterBroker.IntegrationTests;

/// <summary>Message Expiry Interval (MQTT 5.0, section 3.3.2.3.3): remaining time forwarded, expired messages dropped.</summary>
public sealed class Message_Expiry_Tests(BrokerFixture broker) : IClassFixture<BrokerFixture>
{
    private int Port => broker.Port;

    private static MqttApplicationMessage Message(string topic, string payload, uint expiry, bool retain = false) =>
        new MqttApplicationMessageBuilder().WithTopic(topic).WithPayload(payload).WithQualityOfServiceLevel(Q.Q1).WithMessageExpiryInterval(expiry).WithRetainFlag(retain).Build();

    private static Action<MqttClientOptionsBuilder> Persistent => b => b.WithCleanStart(false).WithSessionExpiryInterval(300);

    [Fact]
    public async Task An_online_subscriber_receives_the_expiry_interval_MQTT_3_3_2_6()
    {
        var topic = Unique.Topic();
        await using var subscriber = await TestClient.ConnectAsync(Port);
        await subscriber.SubscribeAsync(topic, Q.Q1);
        await using var publisher = await TestClient.ConnectAsync(Port);

        await publisher.PublishAsync(Message(topic, "x", 120));

        var message = await subscriber.Messages.WaitForAsync(m => m.Topic == topic, "the message");
        Assert.InRange(message.Message.MessageExpiryInterval, 118u, 120u);
    }

    [Fact]
    public async Task A_message_without_expiry_is_forwarded_without_an_expiry_interval()
    {
        var topic = Unique.Topic();
        await using var subscriber = await TestClient.ConnectAsync(Port);
        await subscriber.SubscribeAsync(topic, Q.Q1);
        await using var publisher = await TestClient.ConnectAsync(Port);

        await publisher.PublishAsync(topic, "x", Q.Q1);

        var message = await subscriber.Messages.WaitForAsync(m => m.Topic == topic, "the message");
        Assert.Equal(0u, message.Message.MessageExpiryInterval);
    }

    [Fact]
    public async Task A_queued_message_is_forwarded_with_the_remaining_interval_MQTT_3_3_2_6()
    {
        var clientId = Unique.ClientId();
        var topic = Unique.Topic();
        await using (var first = await TestClient.ConnectAsync(Port, clientId, configure: Persistent))
        {
            await first.SubscribeAsync(topic, Q.Q1);
            await first.DisconnectAsync();
        }
        await using var publisher = await TestClient.ConnectAsync(Port);
        await publisher.PublishAsync(Message(topic, "waited", 10));

        // time spent in the queue is what the test measures
        await Task.Delay(TimeSpan.FromSeconds(2.2));
        await using var again = await TestClient.ConnectAsync(Port, clientId, configure: Persistent);

        var message = await again.Messages.WaitForAsync(m => m.Topic == topic, "the queued message");
        Assert.InRange(message.Message.MessageExpiryInterval, 1u, 8u);
    }

    [Fact]
    public async Task An_expired_message_is_dropped_from_the_offline_queue_MQTT_3_3_2_5()
    {
        var clientId = Unique.ClientId();
        var topic = Unique.Topic();
        await using (var first = await TestClient.ConnectAsync(Port, clientId, configure: Persistent))
        {
            await first.SubscribeAsync(topic, Q.Q1);
            await first.DisconnectAsync();
        }
        await using var publisher = await TestClient.ConnectAsync(Port);
        await publisher.PublishAsync(Message(topic, "expires", 1));
        await publisher.PublishAsync(Message(topic, "survives", 60));

        // the 1 s expiry passing is the behaviour under test
        await Task.Delay(TimeSpan.FromSeconds(2.2));
        await using var again = await TestClient.ConnectAsync(Port, clientId, configure: Persistent);

        await again.Messages.WaitForAsync(m => m.Payload == "survives", "the unexpired message");
        Assert.DoesNotContain(again.Messages.Snapshot(), m => m.Payload == "expires");
    }

    [Fact]
    public async Task An_expired_retained_message_is_not_sent_to_new_subscribers()
    {
        var root = Unique.Topic();
        await using var publisher = await TestClient.ConnectAsync(Port);
        await publisher.PublishAsync(Message($"{root}/expires", "old", 1, retain: true));
        await publisher.PublishAsync(Message($"{root}/kept", "kept", 60, retain: true));

        await Task.Delay(TimeSpan.FromSeconds(2.2)); // let the 1 s expiry pass
        await using var subscriber = await TestClient.ConnectAsync(Port);
        await subscriber.SubscribeAsync($"{root}/#", Q.Q1);
        await subscriber.Messages.WaitForAsync(m => m.Payload == "kept", "the unexpired retained message");
        await publisher.PublishAsync($"{root}/marker", "marker", Q.Q1);

        var received = await subscriber.Messages.WaitUntilAsync(list => list.Any(m => m.Payload == "marker"), "the marker");
        Assert.DoesNotContain(received, m => m.Payload == "old");
        Assert.InRange(received.Single(m => m.Payload == "kept").Message.MessageExpiryInterval, 1u, 59u);
    }

    [Fact]
    public async Task A_message_that_expires_while_waiting_for_the_receive_window_is_dropped()
    {
        var topic = Unique.Topic();
        await using var subscriber = await RawMqttConnection.ConnectAsync(Port, 5, Unique.ClientId(),
            properties: [RawPackets.U16Property(MqttProperties.ReceiveMaximum, 1)]);
        await subscriber.SendAsync(RawPackets.Subscribe(1, true, (topic, 1)));
        await subscriber.ExpectAsync(RawPacket.SubAck);
        await using var publisher = await TestClient.ConnectAsync(Port);
        await publisher.PublishAsync(topic, "blocks-the-window", Q.Q1);
        var first = (await subscriber.ExpectAsync(RawPacket.Publish)).DecodePublish(v5: true);
        await publisher.PublishAsync(Message(topic, "expires-while-waiting", 1));
        await publisher.PublishAsync(Message(topic, "survives", 60));

        await Task.Delay(TimeSpan.FromSeconds(2.2)); // the 1 s expiry passing is the behaviour under test
        await subscriber.SendAsync(RawPackets.PubAck(first.PacketId));

        var next = (await subscriber.ExpectAsync(RawPacket.Publish)).DecodePublish(v5: true);
        Assert.Equal("survives", next.PayloadText);
        await subscriber.SendAsync(RawPackets.PubAck(next.PacketId));
    }
}
