namespace ClusterBroker.IntegrationTests;

/// <summary>Retained messages: store, replace, delete, delivery on subscribe, Retain Handling, Retain As Published.</summary>
public sealed class Retain_Tests(BrokerFixture broker) : IClassFixture<BrokerFixture>
{
    private int Port => broker.Port;

    private static MqttClientSubscribeOptions Filter(string topic, MqttRetainHandling handling = MqttRetainHandling.SendAtSubscribe, bool retainAsPublished = false, MqttQualityOfServiceLevel qos = Q.Q1) =>
        new MqttClientSubscribeOptionsBuilder().WithTopicFilter(topic, qos, noLocal: false, retainAsPublished: retainAsPublished, retainHandling: handling).Build();

    [Theory]
    [InlineData(MqttProtocolVersion.V311)]
    [InlineData(MqttProtocolVersion.V500)]
    public async Task A_retained_message_is_sent_to_a_new_subscriber_with_the_retain_flag_MQTT_3_3_1_6(MqttProtocolVersion version)
    {
        var topic = Unique.Topic();
        await using var publisher = await TestClient.ConnectAsync(Port);
        await publisher.PublishAsync(topic, "stored", Q.Q1, retain: true);

        await using var subscriber = await TestClient.ConnectAsync(Port, version: version);
        await subscriber.SubscribeAsync(topic, Q.Q1);

        var message = await subscriber.Messages.WaitForAsync(m => m.Topic == topic, "the retained message");
        Assert.Equal("stored", message.Payload);
        Assert.True(message.Retain, "a retained message sent on subscribe has RETAIN 1 [MQTT-3.3.1-8]");
        Assert.Equal(1, message.Qos);
    }

    [Fact]
    public async Task A_new_retained_message_replaces_the_previous_one_MQTT_3_3_1_5()
    {
        var topic = Unique.Topic();
        await using var publisher = await TestClient.ConnectAsync(Port);
        await publisher.PublishAsync(topic, "old", Q.Q1, retain: true);
        await publisher.PublishAsync(topic, "new", Q.Q1, retain: true);

        await using var subscriber = await TestClient.ConnectAsync(Port);
        await subscriber.SubscribeAsync(topic, Q.Q1);
        var marker = Unique.Topic("marker");
        await subscriber.SubscribeAsync(marker, Q.Q1);
        await publisher.PublishAsync(marker, "marker", Q.Q1);

        var received = await subscriber.Messages.WaitUntilAsync(list => list.Any(m => m.Topic == marker), "the marker");
        Assert.Equal(["new"], received.Where(m => m.Topic == topic).Select(m => m.Payload));
    }

    [Fact]
    public async Task A_retained_message_with_an_empty_payload_deletes_the_retained_message_MQTT_3_3_1_10()
    {
        var root = Unique.Topic();
        await using var publisher = await TestClient.ConnectAsync(Port);
        await publisher.PublishAsync($"{root}/deleted", "x", Q.Q1, retain: true);
        await publisher.PublishAsync($"{root}/deleted", "", Q.Q1, retain: true);
        await publisher.PublishAsync($"{root}/kept", "kept", Q.Q1, retain: true);

        await using var subscriber = await TestClient.ConnectAsync(Port);
        await subscriber.SubscribeAsync($"{root}/#", Q.Q1);
        await subscriber.Messages.WaitForAsync(m => m.Topic == $"{root}/kept", "the kept retained message");
        var marker = $"{root}/marker";
        await publisher.PublishAsync(marker, "marker", Q.Q1);

        var received = await subscriber.Messages.WaitUntilAsync(list => list.Any(m => m.Topic == marker), "the marker");
        Assert.DoesNotContain(received, m => m.Topic == $"{root}/deleted");
    }

    [Fact]
    public async Task An_empty_retained_message_is_forwarded_to_current_subscribers_but_not_stored_MQTT_3_3_1_11()
    {
        var topic = Unique.Topic();
        await using var subscriber = await TestClient.ConnectAsync(Port);
        await subscriber.SubscribeAsync(topic, Q.Q1);
        await using var publisher = await TestClient.ConnectAsync(Port);

        await publisher.PublishAsync(topic, "", Q.Q1, retain: true);

        var message = await subscriber.Messages.WaitForAsync(m => m.Topic == topic, "the empty message");
        Assert.Equal("", message.Payload);
    }

    [Fact]
    public async Task A_wildcard_subscription_receives_every_matching_retained_message()
    {
        var root = Unique.Topic();
        await using var publisher = await TestClient.ConnectAsync(Port);
        // the QoS 0 one first: the PUBACKs of the later ones show the broker has processed it
        await publisher.PublishAsync($"{root}/b/d", "d", Q.Q0, retain: true);
        await publisher.PublishAsync($"{root}/a", "a", Q.Q1, retain: true);
        await publisher.PublishAsync($"{root}/b/c", "c", Q.Q1, retain: true);

        await using var subscriber = await TestClient.ConnectAsync(Port);
        await subscriber.SubscribeAsync($"{root}/#", Q.Q2);

        var received = await subscriber.Messages.WaitForCountAsync(3);
        Assert.Equal(["a", "c", "d"], received.Select(m => m.Payload).Order());
        Assert.All(received, m => Assert.True(m.Retain));
        Assert.Equal(0, received.Single(m => m.Payload == "d").Qos);
    }

    [Fact]
    public async Task A_retained_message_forwarded_to_an_existing_subscriber_has_retain_0_MQTT_3_3_1_9()
    {
        var topic = Unique.Topic();
        await using var subscriber = await TestClient.ConnectAsync(Port, version: MqttProtocolVersion.V311);
        await subscriber.SubscribeAsync(topic, Q.Q1);
        await using var v5Subscriber = await TestClient.ConnectAsync(Port);
        await v5Subscriber.SubscribeAsync(topic, Q.Q1);
        await using var publisher = await TestClient.ConnectAsync(Port);

        await publisher.PublishAsync(topic, "live", Q.Q1, retain: true);

        Assert.False((await subscriber.Messages.WaitForAsync(m => m.Topic == topic, "the live message")).Retain);
        Assert.False((await v5Subscriber.Messages.WaitForAsync(m => m.Topic == topic, "the live message")).Retain);
    }

    [Fact]
    public async Task Retain_As_Published_keeps_the_retain_flag_on_forwarded_messages_MQTT_3_3_1_12()
    {
        var topic = Unique.Topic();
        await using var subscriber = await TestClient.ConnectAsync(Port);
        await subscriber.SubscribeAsync(Filter(topic, retainAsPublished: true));
        await using var publisher = await TestClient.ConnectAsync(Port);

        await publisher.PublishAsync(topic, "retained", Q.Q1, retain: true);
        await publisher.PublishAsync(topic, "plain", Q.Q1, retain: false);

        var received = await subscriber.Messages.WaitForCountAsync(2);
        Assert.Equal([("retained", true), ("plain", false)], received.Select(m => (m.Payload, m.Retain)));
    }

    [Fact]
    public async Task Retain_Handling_0_sends_retained_messages_at_every_subscribe_MQTT_3_3_1_9()
    {
        var topic = Unique.Topic();
        await using var publisher = await TestClient.ConnectAsync(Port);
        await publisher.PublishAsync(topic, "retained", Q.Q1, retain: true);
        await using var subscriber = await TestClient.ConnectAsync(Port);

        await subscriber.SubscribeAsync(Filter(topic, MqttRetainHandling.SendAtSubscribe));
        await subscriber.Messages.WaitForCountAsync(1);
        await subscriber.SubscribeAsync(Filter(topic, MqttRetainHandling.SendAtSubscribe));

        var received = await subscriber.Messages.WaitForCountAsync(2);
        Assert.All(received, m => Assert.Equal(("retained", true), (m.Payload, m.Retain)));
    }

    [Fact]
    public async Task Retain_Handling_1_sends_retained_messages_only_for_a_new_subscription_MQTT_3_3_1_10()
    {
        var topic = Unique.Topic();
        await using var publisher = await TestClient.ConnectAsync(Port);
        await publisher.PublishAsync(topic, "retained", Q.Q1, retain: true);
        await using var subscriber = await TestClient.ConnectAsync(Port);

        await subscriber.SubscribeAsync(Filter(topic, MqttRetainHandling.SendAtSubscribeIfNewSubscriptionOnly));
        await subscriber.Messages.WaitForCountAsync(1);
        await subscriber.SubscribeAsync(Filter(topic, MqttRetainHandling.SendAtSubscribeIfNewSubscriptionOnly));
        await publisher.PublishAsync(topic, "marker", Q.Q1);

        var received = await subscriber.Messages.WaitUntilAsync(list => list.Any(m => m.Payload == "marker"), "the marker");
        Assert.Equal(["retained", "marker"], received.Select(m => m.Payload));
    }

    [Fact]
    public async Task Retain_Handling_2_never_sends_retained_messages_at_subscribe_MQTT_3_3_1_11()
    {
        var topic = Unique.Topic();
        await using var publisher = await TestClient.ConnectAsync(Port);
        await publisher.PublishAsync(topic, "retained", Q.Q1, retain: true);
        await using var subscriber = await TestClient.ConnectAsync(Port);

        await subscriber.SubscribeAsync(Filter(topic, MqttRetainHandling.DoNotSendOnSubscribe));
        await publisher.PublishAsync(topic, "marker", Q.Q1);

        var received = await subscriber.Messages.WaitUntilAsync(list => list.Any(m => m.Payload == "marker"), "the marker");
        Assert.Equal(["marker"], received.Select(m => m.Payload));
    }

    [Fact]
    public async Task A_retained_QoS_0_message_is_kept_and_sent_at_QoS_0()
    {
        var topic = Unique.Topic();
        await using var publisher = await TestClient.ConnectAsync(Port, version: MqttProtocolVersion.V311);
        await publisher.PublishAsync(topic, "q0", Q.Q0, retain: true);
        await publisher.PublishAsync(Unique.Topic(), "after", Q.Q1); // its PUBACK shows the QoS 0 publish was processed

        await using var subscriber = await TestClient.ConnectAsync(Port);
        await subscriber.SubscribeAsync(topic, Q.Q2);

        var message = await subscriber.Messages.WaitForAsync(m => m.Topic == topic, "the retained message");
        Assert.Equal((0, true, "q0"), (message.Qos, message.Retain, message.Payload));
    }

    [Fact]
    public async Task CONNACK_in_5_0_does_not_deny_retain_support()
    {
        await using var client = await TestClient.ConnectAsync(Port);

        Assert.True(client.ConnectResult.RetainAvailable);
    }
}
