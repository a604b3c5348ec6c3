using ClusterBroker.Core;

namespace ClusterBroker.IntegrationTests;

/// <summary>
/// QoS 0 messages for a persistent session whose client is offline: dropped by default, queued with
/// Broker:QueueQoS0Messages (Mosquitto's queue_qos0_messages), counted against the same queue limit.
/// </summary>
public sealed class Offline_QoS0_Tests
{
    private static async Task<string> SubscribeAndLeaveAsync(int port, string topic)
    {
        var clientId = Unique.ClientId();
        await using var first = await TestClient.ConnectAsync(port, clientId, MqttProtocolVersion.V311, b => b.WithCleanSession(false));
        await first.SubscribeAsync(topic, Q.Q1);
        await first.DisconnectAsync();
        return clientId;
    }

    [Fact]
    public async Task By_default_QoS_0_messages_published_while_the_client_is_away_are_not_kept()
    {
        await using var own = await TestBroker.StartAsync();
        var topic = Unique.Topic();
        var clientId = await SubscribeAndLeaveAsync(own.Port, topic);
        await MosquittoClients.PublishAsync(own.Port, "mqttv311", topic, 0, "q0-while-away");
        await MosquittoClients.PublishAsync(own.Port, "mqttv311", topic, 1, "q1-while-away");

        await using var back = await TestClient.ConnectAsync(own.Port, clientId, MqttProtocolVersion.V311, b => b.WithCleanSession(false));
        await back.Messages.WaitForAsync(m => m.Payload == "q1-while-away", "the QoS 1 message");
        Assert.Equal(["q1-while-away"], back.Messages.Snapshot().Select(m => m.Payload));
    }

    [Fact]
    public async Task With_QueueQoS0Messages_they_wait_in_order_with_the_others_within_the_queue_limit()
    {
        await using var own = await TestBroker.StartAsync(new BrokerOptions { QueueQoS0Messages = true, MaxQueuedMessagesPerSession = 3 });
        var topic = Unique.Topic();
        var clientId = await SubscribeAndLeaveAsync(own.Port, topic);
        await using var publisher = await TestClient.ConnectAsync(own.Port);
        foreach (var (payload, qos) in new[] { ("a0", Q.Q0), ("b1", Q.Q1), ("c0", Q.Q0), ("d0", Q.Q0) })
        {
            await publisher.PublishAsync(topic, payload, qos);
        }

        await publisher.PingAsync(); // every publish was read by the broker

        // 4 messages, room for 3: the oldest goes (drop-oldest policy); mosquitto_sub -c resumes the session
        await using var resumed = ExternalProcess.Start("stdbuf", "-oL", "mosquitto_sub", "-h", "127.0.0.1", "-p", own.Port.ToString(), "-V", "mqttv311",
            "-i", clientId, "-c", "-q", "1", "-t", topic, "-C", "3", "-W", "20", "-F", "%p|%q");
        Assert.Equal(0, await resumed.WaitForExitAsync());
        Assert.Equal(["b1|1", "c0|0", "d0|0"], resumed.Output.Snapshot());
    }
}
