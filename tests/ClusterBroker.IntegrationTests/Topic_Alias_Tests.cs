namespace ClusterBroker.IntegrationTests;

/// <summary>Topic aliases sent by clients (MQTT 5.0, section 3.3.2.3.4); Topic Alias Maximum enforced.</summary>
public sealed class Topic_Alias_Tests(TopicAliasBrokerFixture broker) : IClassFixture<TopicAliasBrokerFixture>
{
    private int Port => broker.Port;

    private static byte[][] Alias(int alias) => [RawPackets.U16Property(MqttProperties.TopicAlias, alias)];

    [Fact]
    public async Task CONNACK_announces_the_configured_Topic_Alias_Maximum()
    {
        await using var raw = await RawMqttConnection.ConnectAsync(Port, 5, Unique.ClientId());

        var maximum = raw.LastConnAck!.ConnAckProperties(v5: true).Number(MqttProperties.TopicAliasMaximum);

        Assert.Equal(TopicAliasBrokerFixture.TopicAliasMaximum, maximum);
    }

    [Fact]
    public async Task A_client_sets_an_alias_with_a_topic_and_then_publishes_with_the_alias_alone_MQTT_3_3_2_12()
    {
        var topic = Unique.Topic();
        await using var subscriber = await TestClient.ConnectAsync(Port);
        await subscriber.SubscribeAsync(topic, Q.Q1);
        await using var raw = await RawMqttConnection.ConnectAsync(Port, 5, Unique.ClientId());

        await raw.SendAsync(RawPackets.Publish(topic, "with-topic", qos: 1, packetId: 1, v5: true, properties: Alias(1)));
        await raw.ExpectAsync(RawPacket.PubAck);
        await raw.SendAsync(RawPackets.Publish("", "alias-only", qos: 1, packetId: 2, v5: true, properties: Alias(1)));
        await raw.ExpectAsync(RawPacket.PubAck);

        var received = await subscriber.Messages.WaitForCountAsync(2);
        Assert.Equal([(topic, "with-topic"), (topic, "alias-only")], received.Select(m => (m.Topic, m.Payload)));
        Assert.All(received, m => Assert.Equal(0, m.Message.TopicAlias)); // aliases are per connection, never forwarded
    }

    [Fact]
    public async Task An_alias_can_be_remapped_to_another_topic()
    {
        var first = Unique.Topic();
        var second = Unique.Topic();
        await using var subscriber = await TestClient.ConnectAsync(Port);
        await subscriber.SubscribeAsync(first, Q.Q1);
        await subscriber.SubscribeAsync(second, Q.Q1);
        await using var raw = await RawMqttConnection.ConnectAsync(Port, 5, Unique.ClientId());

        await raw.SendAsync(RawPackets.Publish(first, "a", qos: 1, packetId: 1, v5: true, properties: Alias(TopicAliasBrokerFixture.TopicAliasMaximum)));
        await raw.SendAsync(RawPackets.Publish(second, "b", qos: 1, packetId: 2, v5: true, properties: Alias(TopicAliasBrokerFixture.TopicAliasMaximum)));
        await raw.SendAsync(RawPackets.Publish("", "c", qos: 1, packetId: 3, v5: true, properties: Alias(TopicAliasBrokerFixture.TopicAliasMaximum)));
        for (var i = 0; i < 3; i++)
        {
            await raw.ExpectAsync(RawPacket.PubAck);
        }

        var received = await subscriber.Messages.WaitForCountAsync(3);
        Assert.Equal([(first, "a"), (second, "b"), (second, "c")], received.Select(m => (m.Topic, m.Payload)));
    }

    [Fact]
    public async Task An_alias_above_the_Topic_Alias_Maximum_is_answered_with_DISCONNECT_0x94_MQTT_3_3_2_9()
    {
        await using var bystander = await Bystander.StartAsync(Port);
        await using var raw = await RawMqttConnection.ConnectAsync(Port, 5, Unique.ClientId());

        await raw.TrySendAsync(RawPackets.Publish(Unique.Topic(), "x", qos: 1, packetId: 1, v5: true, properties: Alias(TopicAliasBrokerFixture.TopicAliasMaximum + 1)));
        var before = await raw.WaitForCloseAsync();

        var disconnect = Assert.Single(before);
        Assert.Equal((RawPacket.Disconnect, (byte)0x94), (disconnect.Type, disconnect.DisconnectReason));
        await bystander.AssertStillServedAsync();
    }

    [Fact]
    public async Task Topic_alias_0_is_answered_with_DISCONNECT_0x94_MQTT_3_3_2_8()
    {
        await using var raw = await RawMqttConnection.ConnectAsync(Port, 5, Unique.ClientId());

        await raw.TrySendAsync(RawPackets.Publish(Unique.Topic(), "x", qos: 0, v5: true, properties: Alias(0)));
        var before = await raw.WaitForCloseAsync();

        // 0x94 Topic Alias invalid; a broker may also classify alias 0 as a plain Protocol Error (0x82)
        var disconnect = Assert.Single(before);
        Assert.Equal(RawPacket.Disconnect, disconnect.Type);
        Assert.Contains(disconnect.DisconnectReason, new byte[] { 0x94, 0x82 });
    }

    [Fact]
    public async Task An_empty_topic_with_an_unmapped_alias_is_a_protocol_error()
    {
        await using var raw = await RawMqttConnection.ConnectAsync(Port, 5, Unique.ClientId());

        await raw.TrySendAsync(RawPackets.Publish("", "x", qos: 1, packetId: 1, v5: true, properties: Alias(2)));
        var before = await raw.WaitForCloseAsync();

        // section 3.3.2.3.4: using an alias the receiver has no mapping for is a Protocol Error (0x82);
        // some brokers report it as Topic Alias invalid (0x94)
        var disconnect = Assert.Single(before);
        Assert.Equal(RawPacket.Disconnect, disconnect.Type);
        Assert.Contains(disconnect.DisconnectReason, new byte[] { 0x82, 0x94 });
    }

    [Fact]
    public async Task An_empty_topic_without_an_alias_is_a_protocol_error()
    {
        await using var raw = await RawMqttConnection.ConnectAsync(Port, 5, Unique.ClientId());

        await raw.TrySendAsync(RawPackets.Publish("", "x", qos: 0, v5: true));
        var before = await raw.WaitForCloseAsync();

        var disconnect = Assert.Single(before);
        Assert.Equal(RawPacket.Disconnect, disconnect.Type);
        Assert.Contains(disconnect.DisconnectReason, new byte[] { 0x82, 0x90 });
    }

    [Fact]
    public async Task Aliases_belong_to_one_connection_and_are_forgotten_when_it_closes()
    {
        var clientId = Unique.ClientId();
        var topic = Unique.Topic();
        await using (var raw = await RawMqttConnection.ConnectAsync(Port, 5, clientId))
        {
            await raw.SendAsync(RawPackets.Publish(topic, "x", qos: 1, packetId: 1, v5: true, properties: Alias(1)));
            await raw.ExpectAsync(RawPacket.PubAck);
        }
        await using var again = await RawMqttConnection.ConnectAsync(Port, 5, clientId);

        await again.TrySendAsync(RawPackets.Publish("", "y", qos: 1, packetId: 2, v5: true, properties: Alias(1)));
        var before = await again.WaitForCloseAsync();

        Assert.Contains(before, p => p.Type == RawPacket.Disconnect && p.DisconnectReason is 0x82 or 0x94);
    }

    [Fact]
    public async Task The_MQTTnet_client_can_publish_with_topic_aliases()
    {
        var topic = Unique.Topic();
        await using var subscriber = await TestClient.ConnectAsync(Port);
        await subscriber.SubscribeAsync(topic, Q.Q1);
        await using var publisher = await TestClient.ConnectAsync(Port);

        await publisher.PublishAsync(new MqttApplicationMessageBuilder().WithTopic(topic).WithPayload("set").WithTopicAlias(3).WithQualityOfServiceLevel(Q.Q1).Build());
        await publisher.PublishAsync(new MqttApplicationMessageBuilder().WithTopic("").WithPayload("use").WithTopicAlias(3).WithQualityOfServiceLevel(Q.Q1).Build());

        var received = await subscriber.Messages.WaitForCountAsync(2);
        Assert.Equal([(topic, "set"), (topic, "use")], received.Select(m => (m.Topic, m.Payload)));
    }

    [Fact]
    public async Task A_client_that_allows_no_topic_aliases_never_receives_one_MQTT_3_3_2_10()
    {
        var topic = Unique.Topic();
        await using var subscriber = await RawMqttConnection.ConnectAsync(Port, 5, Unique.ClientId());
        await subscriber.SendAsync(RawPackets.Subscribe(1, true, (topic, 0)));
        await subscriber.ExpectAsync(RawPacket.SubAck);
        await using var publisher = await TestClient.ConnectAsync(Port);

        for (var i = 0; i < 5; i++)
        {
            await publisher.PublishAsync(topic, $"{i}", Q.Q0);
        }

        for (var i = 0; i < 5; i++)
        {
            var publish = (await subscriber.ExpectAsync(RawPacket.Publish)).DecodePublish(v5: true);
            Assert.Equal(topic, publish.Topic);
            Assert.False(publish.Properties.Has(MqttProperties.TopicAlias));
        }
    }

    [Fact]
    public async Task Aliases_sent_by_the_broker_stay_within_the_client_Topic_Alias_Maximum_and_resolve_correctly()
    {
        var root = Unique.Topic();
        await using var subscriber = await RawMqttConnection.ConnectAsync(Port, 5, Unique.ClientId(),
            properties: [RawPackets.U16Property(MqttProperties.TopicAliasMaximum, 2)]);
        await subscriber.SendAsync(RawPackets.Subscribe(1, true, ($"{root}/#", 0)));
        await subscriber.ExpectAsync(RawPacket.SubAck);
        await using var publisher = await TestClient.ConnectAsync(Port);
        var sent = new List<string>();
        for (var i = 0; i < 12; i++)
        {
            var topic = $"{root}/{i % 3}";
            sent.Add(topic);
            await publisher.PublishAsync(topic, $"{i}", Q.Q0);
        }

        var aliases = new Dictionary<uint, string>();
        foreach (var expected in sent)
        {
            var publish = (await subscriber.ExpectAsync(RawPacket.Publish)).DecodePublish(v5: true);
            var alias = publish.Properties.Number(MqttProperties.TopicAlias);
            string resolved;
            if (alias is { } a)
            {
                Assert.InRange(a, 1u, 2u); // [MQTT-3.3.2-10]
                if (publish.Topic.Length > 0)
                {
                    aliases[a] = publish.Topic;
                }
                Assert.True(aliases.TryGetValue(a, out resolved!), $"alias {a} used before it was set");
            }
            else
            {
                resolved = publish.Topic;
            }
            Assert.Equal(expected, resolved);
        }
    }
}
