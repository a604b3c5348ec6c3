namespace ClusterBroker.IntegrationTests;

/// <summary>
/// Topic aliases sent by the broker to a 5.0 client that announced a Topic Alias Maximum (section 3.3.2.3.4): the
/// first PUBLISH on a topic carries the topic and an alias, later ones the alias and an empty topic.
/// </summary>
public sealed class Server_Topic_Alias_Tests(BrokerFixture broker) : IClassFixture<BrokerFixture>
{
    private int Port => broker.Port;

    [Fact]
    public async Task The_broker_sends_a_long_topic_once_and_then_only_its_alias_MQTT_3_3_2_12()
    {
        var topic = Unique.Topic() + "/" + new string('x', 100);
        await using var subscriber = await RawMqttConnection.ConnectAsync(Port, 5, Unique.ClientId(),
            properties: [RawPackets.U16Property(MqttProperties.TopicAliasMaximum, 10)]);
        await subscriber.SendAsync(RawPackets.Subscribe(1, true, (topic, 0)));
        await subscriber.ExpectAsync(RawPacket.SubAck);
        await using var publisher = await TestClient.ConnectAsync(Port);

        for (var i = 0; i < 3; i++)
        {
            await publisher.PublishAsync(topic, $"m{i}", Q.Q0);
        }

        var first = await subscriber.ExpectAsync(RawPacket.Publish);
        var second = await subscriber.ExpectAsync(RawPacket.Publish);
        var third = await subscriber.ExpectAsync(RawPacket.Publish);
        var decoded = new[] { first, second, third }.Select(p => p.DecodePublish(v5: true)).ToArray();
        Assert.Equal((topic, 1u), (decoded[0].Topic, decoded[0].Properties.Number(MqttProperties.TopicAlias)));
        Assert.All(decoded.Skip(1), p => Assert.Equal((string.Empty, 1u), (p.Topic, p.Properties.Number(MqttProperties.TopicAlias))));
        Assert.Equal(["m0", "m1", "m2"], decoded.Select(p => p.PayloadText));

        // the topic's bytes are sent once: later packets are shorter by the topic's length, plus the 3-byte property
        Assert.Equal(first.Body.Length - topic.Length, second.Body.Length);
    }

    [Fact]
    public async Task Without_a_Topic_Alias_Maximum_from_the_client_every_PUBLISH_carries_its_topic()
    {
        var topic = Unique.Topic();
        await using var subscriber = await RawMqttConnection.ConnectAsync(Port, 5, Unique.ClientId());
        await subscriber.SendAsync(RawPackets.Subscribe(1, true, (topic, 0)));
        await subscriber.ExpectAsync(RawPacket.SubAck);
        await using var publisher = await TestClient.ConnectAsync(Port);

        await publisher.PublishAsync(topic, "a", Q.Q0);
        await publisher.PublishAsync(topic, "b", Q.Q0);

        for (var i = 0; i < 2; i++)
        {
            var publish = (await subscriber.ExpectAsync(RawPacket.Publish)).DecodePublish(v5: true);
            Assert.Equal(topic, publish.Topic);
            Assert.False(publish.Properties.Has(MqttProperties.TopicAlias));
        }
    }

    [Fact]
    public async Task The_MQTTnet_client_resolves_the_aliases_the_broker_sends()
    {
        var root = Unique.Topic();
        await using var subscriber = await TestClient.ConnectAsync(Port, configure: b => b.WithTopicAliasMaximum(2));
        await subscriber.SubscribeAsync(root + "/#", Q.Q1);
        await using var publisher = await TestClient.ConnectAsync(Port);
        var sent = new List<string>();
        for (var i = 0; i < 9; i++)
        {
            var topic = $"{root}/{new string('t', 50)}/{i % 3}";
            sent.Add(topic);
            await publisher.PublishAsync(topic, $"{i}", Q.Q1);
        }

        var received = await subscriber.Messages.WaitForCountAsync(9);
        Assert.Equal(sent, received.Select(m => m.Topic));
    }

    [Fact]
    public async Task Server_to_client_aliases_can_be_turned_off()
    {
        await using var own = await TestBroker.StartAsync(new Core.BrokerOptions { OutgoingTopicAliasMaximum = 0 });
        var topic = Unique.Topic();
        await using var subscriber = await RawMqttConnection.ConnectAsync(own.Port, 5, Unique.ClientId(),
            properties: [RawPackets.U16Property(MqttProperties.TopicAliasMaximum, 10)]);
        await subscriber.SendAsync(RawPackets.Subscribe(1, true, (topic, 0)));
        await subscriber.ExpectAsync(RawPacket.SubAck);
        await using var publisher = await TestClient.ConnectAsync(own.Port);

        await publisher.PublishAsync(topic, "a", Q.Q0);
        await publisher.PublishAsync(topic, "b", Q.Q0);

        for (var i = 0; i < 2; i++)
        {
            var publish = (await subscriber.ExpectAsync(RawPacket.Publish)).DecodePublish(v5: true);
            Assert.Equal(topic, publish.Topic);
            Assert.False(publish.Properties.Has(MqttProperties.TopicAlias));
        }
    }
}
