namespace ClusterBroker.IntegrationTests;

/// <summary>Message ordering per topic per client [MQTT-4.6.0-*].</summary>
public sealed class Ordering_Tests(BrokerFixture broker) : IClassFixture<BrokerFixture>
{
    private int Port => broker.Port;

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(2)]
    public async Task Messages_of_one_publisher_on_one_topic_arrive_in_publish_order_MQTT_4_6_0_6(int qos)
    {
        var topic = Unique.Topic();
        await using var subscriber = await TestClient.ConnectAsync(Port);
        await subscriber.SubscribeAsync(topic, Q.Of(qos));
        await using var publisher = await TestClient.ConnectAsync(Port);

        for (var i = 0; i < 200; i++)
        {
            await publisher.PublishAsync(topic, $"{i:D3}", Q.Of(qos));
        }

        var received = await subscriber.Messages.WaitForCountAsync(200);
        Assert.Equal(Enumerable.Range(0, 200).Select(i => $"{i:D3}"), received.Select(m => m.Payload));
    }

    [Fact]
    public async Task Pipelined_QoS_1_publishes_are_acknowledged_and_forwarded_in_order_MQTT_4_6_0_2()
    {
        var topic = Unique.Topic();
        await using var subscriber = await TestClient.ConnectAsync(Port);
        await subscriber.SubscribeAsync(topic, Q.Q1);
        await using var raw = await RawMqttConnection.ConnectAsync(Port, 4, Unique.ClientId());

        // 50 PUBLISH packets in one write, without waiting for any PUBACK
        var batch = Enumerable.Range(1, 50).SelectMany(i => RawPackets.Publish(topic, $"{i:D2}", qos: 1, packetId: (ushort)i)).ToArray();
        await raw.SendAsync(batch);

        for (var i = 1; i <= 50; i++)
        {
            Assert.Equal(i, (await raw.ExpectAsync(RawPacket.PubAck)).PacketId);
        }
        var received = await subscriber.Messages.WaitForCountAsync(50);
        Assert.Equal(Enumerable.Range(1, 50).Select(i => $"{i:D2}"), received.Select(m => m.Payload));
    }

    [Fact]
    public async Task Two_publishers_keep_their_own_order_at_a_common_subscriber()
    {
        var topic = Unique.Topic();
        await using var subscriber = await TestClient.ConnectAsync(Port);
        await subscriber.SubscribeAsync(topic, Q.Q1);
        await using var a = await TestClient.ConnectAsync(Port);
        await using var b = await TestClient.ConnectAsync(Port, version: MqttProtocolVersion.V311);

        await Task.WhenAll(PublishSeries(a, "a"), PublishSeries(b, "b"));

        var received = await subscriber.Messages.WaitForCountAsync(200);
        Assert.Equal(Enumerable.Range(0, 100).Select(i => $"a{i:D3}"), received.Where(m => m.Payload[0] == 'a').Select(m => m.Payload));
        Assert.Equal(Enumerable.Range(0, 100).Select(i => $"b{i:D3}"), received.Where(m => m.Payload[0] == 'b').Select(m => m.Payload));

        async Task PublishSeries(TestClient client, string prefix)
        {
            for (var i = 0; i < 100; i++)
            {
                await client.PublishAsync(topic, $"{prefix}{i:D3}", Q.Q1);
            }
        }
    }

    [Fact]
    public async Task Each_of_twenty_subscribers_receives_all_messages_in_order()
    {
        var topic = Unique.Topic();
        var subscribers = new List<TestClient>();
        try
        {
            for (var i = 0; i < 20; i++)
            {
                var subscriber = await TestClient.ConnectAsync(Port, version: i % 2 == 0 ? MqttProtocolVersion.V500 : MqttProtocolVersion.V311);
                await subscriber.SubscribeAsync(topic, Q.Q1);
                subscribers.Add(subscriber);
            }
            await using var publisher = await TestClient.ConnectAsync(Port);

            for (var i = 0; i < 100; i++)
            {
                await publisher.PublishAsync(topic, $"{i:D3}", Q.Q1);
            }

            foreach (var subscriber in subscribers)
            {
                var received = await subscriber.Messages.WaitForCountAsync(100);
                Assert.Equal(Enumerable.Range(0, 100).Select(i => $"{i:D3}"), received.Select(m => m.Payload));
            }
        }
        finally
        {
            foreach (var subscriber in subscribers)
            {
                await subscriber.DisposeAsync();
            }
        }
    }
}
