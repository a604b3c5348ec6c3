namespace ClusterBroker.IntegrationTests;

/// <summary>MQTT 5.0 properties forwarded unchanged; Request Problem Information; CONNACK capability properties.</summary>
public sealed class Properties_Forwarding_Tests(BrokerFixture broker) : IClassFixture<BrokerFixture>
{
    private int Port => broker.Port;

    [Fact]
    public async Task User_properties_content_type_payload_format_response_topic_and_correlation_data_are_forwarded_unchanged_MQTT_3_3_2_17()
    {
        var topic = Unique.Topic();
        await using var subscriber = await TestClient.ConnectAsync(Port);
        await subscriber.SubscribeAsync(topic, Q.Q1);
        await using var publisher = await TestClient.ConnectAsync(Port);

        await publisher.PublishAsync(new MqttApplicationMessageBuilder()
            .WithTopic(topic)
            .WithPayload("{\"a\":1}")
            .WithQualityOfServiceLevel(Q.Q1)
            .WithContentType("application/json; charset=utf-8")
            .WithPayloadFormatIndicator(MqttPayloadFormatIndicator.CharacterData)
            .WithResponseTopic("replies/for/me")
            .WithCorrelationData([0, 1, 2, 255])
            .WithUserProperty("b-key", new ReadOnlyMemory<byte>("second"u8.ToArray()))
            .WithUserProperty("a-key", new ReadOnlyMemory<byte>("first"u8.ToArray()))
            .WithUserProperty("b-key", new ReadOnlyMemory<byte>("repeated"u8.ToArray()))
            .Build());

        var message = (await subscriber.Messages.WaitForAsync(m => m.Topic == topic, "the message")).Message;
        Assert.Equal("application/json; charset=utf-8", message.ContentType);
        Assert.Equal(MqttPayloadFormatIndicator.CharacterData, message.PayloadFormatIndicator);
        Assert.Equal("replies/for/me", message.ResponseTopic);
        Assert.Equal([0, 1, 2, 255], message.CorrelationData);
        // order and repetitions kept [MQTT-3.3.2-18]
        Assert.Equal([("b-key", "second"), ("a-key", "first"), ("b-key", "repeated")], (message.UserProperties ?? []).Select(p => (p.Name, p.ReadValueAsString())));
    }

    [Fact]
    public async Task Properties_are_forwarded_byte_for_byte_to_a_raw_subscriber()
    {
        var topic = Unique.Topic();
        await using var subscriber = await RawMqttConnection.ConnectAsync(Port, 5, Unique.ClientId());
        await subscriber.SendAsync(RawPackets.Subscribe(1, true, (topic, 1)));
        await subscriber.ExpectAsync(RawPacket.SubAck);
        await using var publisher = await RawMqttConnection.ConnectAsync(Port, 5, Unique.ClientId());

        await publisher.SendAsync(RawPackets.Publish(topic, "payload", qos: 1, packetId: 3, v5: true, properties:
        [
            RawPackets.ByteProperty(MqttProperties.PayloadFormatIndicator, 1),
            RawPackets.StringProperty(MqttProperties.ContentType, "text/plain"),
            RawPackets.StringProperty(MqttProperties.ResponseTopic, "r/t"),
            [MqttProperties.CorrelationData, .. RawPackets.Binary([9, 8, 7])],
            RawPackets.UserProperty("k", "v"),
            RawPackets.UserProperty("k", "w"),
        ]));
        await publisher.ExpectAsync(RawPacket.PubAck);

        var publish = (await subscriber.ExpectAsync(RawPacket.Publish)).DecodePublish(v5: true);
        Assert.Equal(1u, publish.Properties.Number(MqttProperties.PayloadFormatIndicator));
        Assert.Equal("text/plain", publish.Properties.Text(MqttProperties.ContentType));
        Assert.Equal("r/t", publish.Properties.Text(MqttProperties.ResponseTopic));
        Assert.Equal([9, 8, 7], publish.Properties.Binary(MqttProperties.CorrelationData));
        Assert.Equal([("k", "v"), ("k", "w")], publish.Properties.UserProperties);
        Assert.Equal("payload", publish.PayloadText);
        await subscriber.SendAsync(RawPackets.PubAck(publish.PacketId));
    }

    [Fact]
    public async Task A_3_1_1_subscriber_receives_the_payload_of_a_message_with_properties()
    {
        var topic = Unique.Topic();
        await using var subscriber = await RawMqttConnection.ConnectAsync(Port, 4, Unique.ClientId());
        await subscriber.SendAsync(RawPackets.Subscribe(1, false, (topic, 0)));
        await subscriber.ExpectAsync(RawPacket.SubAck);
        await using var publisher = await TestClient.ConnectAsync(Port);

        await publisher.PublishAsync(new MqttApplicationMessageBuilder().WithTopic(topic).WithPayload("plain").WithContentType("text/plain")
            .WithUserProperty("k", new ReadOnlyMemory<byte>("v"u8.ToArray())).Build());

        var publish = (await subscriber.ExpectAsync(RawPacket.Publish)).DecodePublish(v5: false);
        Assert.Equal((topic, "plain"), (publish.Topic, publish.PayloadText));
    }

    [Fact]
    public async Task CONNACK_announces_what_the_broker_supports()
    {
        await using var raw = await RawMqttConnection.ConnectAsync(Port, 5, Unique.ClientId());

        var properties = raw.LastConnAck!.ConnAckProperties(v5: true);

        // absent means "available"/QoS 2; when present they must say so for this broker
        Assert.True(properties.Number(MqttProperties.MaximumQos) is null, "Maximum QoS must be absent when QoS 2 is supported [MQTT-3.2.2-9]");
        Assert.True(properties.Number(MqttProperties.RetainAvailable) is null or 1);
        Assert.True(properties.Number(MqttProperties.WildcardSubscriptionAvailable) is null or 1);
        Assert.True(properties.Number(MqttProperties.SubscriptionIdentifierAvailable) is null or 1);
        Assert.True(properties.Number(MqttProperties.SharedSubscriptionAvailable) is null or 1);
        Assert.True(properties.Number(MqttProperties.TopicAliasMaximum) > 0, "topic aliases are supported");
        Assert.Null(properties.Text(MqttProperties.AssignedClientIdentifier)); // only for an empty client id
    }

    [Fact]
    public async Task The_MQTTnet_client_sees_the_capabilities()
    {
        await using var client = await TestClient.ConnectAsync(Port);

        var result = client.ConnectResult;
        Assert.Equal(Q.Q2, result.MaximumQoS);
        Assert.True(result.RetainAvailable);
        Assert.True(result.WildcardSubscriptionAvailable);
        Assert.True(result.SubscriptionIdentifiersAvailable);
        Assert.True(result.SharedSubscriptionAvailable);
    }

    [Fact]
    public async Task With_Request_Problem_Information_0_a_failed_SUBACK_carries_no_reason_string_MQTT_3_1_2_29()
    {
        await using var raw = await RawMqttConnection.ConnectAsync(Port, 5, Unique.ClientId(),
            properties: [RawPackets.ByteProperty(MqttProperties.RequestProblemInformation, 0)]);

        await raw.SendAsync(RawPackets.Subscribe(3, true, ("bad/#/filter", 1)));
        var packet = await raw.ReceiveOrCloseAsync();

        if (packet is { Type: RawPacket.SubAck })
        {
            var properties = MqttProperties.Read(packet.Body, 2, out _);
            Assert.False(properties.Has(MqttProperties.ReasonString));
            Assert.False(properties.Has(MqttProperties.UserProperty));
        }
    }

    [Fact]
    public async Task A_PUBACK_to_a_client_with_Request_Problem_Information_0_carries_no_reason_string()
    {
        await using var raw = await RawMqttConnection.ConnectAsync(Port, 5, Unique.ClientId(),
            properties: [RawPackets.ByteProperty(MqttProperties.RequestProblemInformation, 0)]);

        await raw.SendAsync(RawPackets.Publish(Unique.Topic(), "nobody listens", qos: 1, packetId: 1, v5: true));
        var pubAck = await raw.ExpectAsync(RawPacket.PubAck);

        if (pubAck.Body.Length > 3)
        {
            var properties = MqttProperties.Read(pubAck.Body, 3, out _);
            Assert.False(properties.Has(MqttProperties.ReasonString));
        }
    }
}
