using ClusterBroker.Transport;

namespace ClusterBroker.IntegrationTests;

/// <summary>MQTT over WebSocket (section 6): the same broker reached through ws://host:port/mqtt and TCP.</summary>
public sealed class WebSocket_Tests
{
    private static Task<TestBroker> StartWithWebSocketAsync() =>
        TestBroker.StartAsync(configureTransport: t => t.WebSocket = new WebSocketListenerOptions { Port = 0, Path = "/mqtt" });

    private static int WebSocketPort(TestBroker broker) => broker.Host.EndPoints.Single(e => e.Port != broker.Port).Port;

    [Theory]
    [InlineData(MqttProtocolVersion.V311)]
    [InlineData(MqttProtocolVersion.V500)]
    public async Task A_WebSocket_client_and_a_TCP_client_exchange_messages_both_ways(MqttProtocolVersion version)
    {
        await using var broker = await StartWithWebSocketAsync();
        var topic = Unique.Topic();
        await using var overWebSocket = await TestClient.ConnectWebSocketAsync($"ws://127.0.0.1:{WebSocketPort(broker)}/mqtt", version: version);
        await using var overTcp = await TestClient.ConnectAsync(broker.Port);
        await overWebSocket.SubscribeAsync($"{topic}/to-ws", Q.Q2);
        await overTcp.SubscribeAsync($"{topic}/to-tcp", Q.Q2);

        await overTcp.PublishAsync($"{topic}/to-ws", "hello websocket", Q.Q1);
        await overWebSocket.PublishAsync($"{topic}/to-tcp", "hello tcp", Q.Q2);

        Assert.Equal("hello websocket", (await overWebSocket.Messages.WaitForAsync(m => m.Topic == $"{topic}/to-ws", "the message over WebSocket")).Payload);
        Assert.Equal("hello tcp", (await overTcp.Messages.WaitForAsync(m => m.Topic == $"{topic}/to-tcp", "the message over TCP")).Payload);
    }

    [Fact]
    public async Task A_large_message_crosses_WebSocket_frames_intact()
    {
        await using var broker = await StartWithWebSocketAsync();
        var topic = Unique.Topic();
        var payload = new byte[200_000];
        new Random(7).NextBytes(payload);
        await using var overWebSocket = await TestClient.ConnectWebSocketAsync($"ws://127.0.0.1:{WebSocketPort(broker)}/mqtt");
        await overWebSocket.SubscribeAsync(topic, Q.Q1);

        await overWebSocket.PublishAsync(new MqttApplicationMessageBuilder().WithTopic(topic).WithPayload(payload).WithQualityOfServiceLevel(Q.Q1).Build());

        var message = await overWebSocket.Messages.WaitForAsync(m => m.Topic == topic, "the large message");
        Assert.True(payload.AsSpan().SequenceEqual(System.Buffers.BuffersExtensions.ToArray(message.Message.Payload)));
    }

    [Theory]
    [InlineData(4)]
    [InlineData(5)]
    public async Task A_paho_WebSocket_subscriber_receives_from_a_paho_WebSocket_publisher(int version)
    {
        await using var broker = await StartWithWebSocketAsync();
        var topic = Unique.Topic();
        var port = WebSocketPort(broker);
        await using var subscriber = PahoClient.Subscribe(port, version, topic, 1, webSocketPath: "/mqtt");
        await subscriber.WaitForLineAsync(line => line == "READY", "paho's SUBACK over WebSocket");

        await using (var publisher = PahoClient.Publish(port, version, topic, 1, "paho-over-websocket", webSocketPath: "/mqtt"))
        {
            await publisher.WaitForLineAsync(line => line == "PUBLISHED", "paho's publish over WebSocket");
        }

        await subscriber.WaitForLineAsync(line => line == $"MSG|{topic}|1|0|paho-over-websocket", "the message at paho");
    }
}
