using System.Diagnostics;
using System.Text;

namespace ClusterBroker.ClusterTests.Infrastructure;

/// <summary>
/// An MQTTnet client connected to one node, collecting every message it receives and the end of
/// its connection. With manual acknowledgements, QoS 1/2 messages stay unacknowledged (inflight).
/// Disposing disconnects it (bounded) even when the test failed.
/// </summary>
public sealed class MqttTestClient : IAsyncDisposable
{
    private readonly TaskCompletionSource<MqttClientDisconnectedEventArgs> _disconnected = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private MqttTestClient(IMqttClient client, string clientId, ClusterNode node, bool manualAcks)
    {
        Client = client;
        ClientId = clientId;
        Node = node;
        client.ApplicationMessageReceivedAsync += e =>
        {
            if (manualAcks)
            {
                e.AutoAcknowledge = false;
            }
            Messages.Add(new ReceivedMessage(e.ApplicationMessage, e.PacketIdentifier));
            return Task.CompletedTask;
        };
        client.DisconnectedAsync += e =>
        {
            if (e.ClientWasConnected)
            {
                DisconnectedAt = Stopwatch.GetTimestamp();
                _disconnected.TrySetResult(e);
            }
            return Task.CompletedTask;
        };
    }

    public IMqttClient Client { get; }

    public string ClientId { get; }

    /// <summary>The node this client connected to.</summary>
    public ClusterNode Node { get; }

    public MqttClientConnectResult ConnectResult { get; private set; } = null!;

    /// <summary>Every message received, harness probes and fences included.</summary>
    public Collector<ReceivedMessage> Messages { get; } = new();

    /// <summary>The messages received without the harness's probes and fences.</summary>
    public IReadOnlyList<ReceivedMessage> ApplicationMessages => [.. Messages.Snapshot().Where(m => !m.IsControl)];

    /// <summary>Completes when the broker (or the network) ended the established connection.</summary>
    public Task<MqttClientDisconnectedEventArgs> Disconnected => _disconnected.Task;

    /// <summary>Stopwatch timestamp of the disconnection, 0 before.</summary>
    public long DisconnectedAt { get; private set; }

    public static async Task<MqttTestClient> ConnectAsync(
        ClusterNode node,
        string? clientId = null,
        MqttProtocolVersion version = MqttProtocolVersion.V500,
        Action<MqttClientOptionsBuilder>? configure = null,
        bool manualAcks = false)
    {
        clientId ??= Unique.ClientId();
        IMqttClient client = new MqttClientFactory().CreateMqttClient();
        var testClient = new MqttTestClient(client, clientId, node, manualAcks);
        MqttClientOptionsBuilder builder = new MqttClientOptionsBuilder()
            .WithTcpServer("127.0.0.1", node.MqttPort)
            .WithClientId(clientId)
            .WithProtocolVersion(version)
            .WithTimeout(Timeouts.Mqtt);
        configure?.Invoke(builder);
        var elapsed = Stopwatch.StartNew();
        try
        {
            using var cts = new CancellationTokenSource(Timeouts.Mqtt);
            testClient.ConnectResult = await client.ConnectAsync(builder.Build(), cts.Token);
            return testClient;
        }
        catch (Exception e)
        {
            client.Dispose();
            throw new Xunit.Sdk.XunitException($"{clientId} could not connect to {node.Name} (port {node.MqttPort}) after {elapsed.ElapsedMilliseconds} ms: {e.GetType().Name}: {e.Message}", e);
        }
    }

    /// <summary>A persistent session: 5.0 Clean Start 0 with Session Expiry 3600 s, 3.1.1 Clean Session 0.</summary>
    public static Task<MqttTestClient> ConnectPersistentAsync(
        ClusterNode node, string clientId, MqttProtocolVersion version = MqttProtocolVersion.V500, bool manualAcks = false) =>
        ConnectAsync(node, clientId, version, b =>
        {
            if (version == MqttProtocolVersion.V500)
            {
                b.WithCleanStart(false).WithSessionExpiryInterval(3600);
            }
            else
            {
                b.WithCleanSession(false);
            }
        }, manualAcks);

    /// <summary>Connects a persistent session again and again, as a device does after its node died, until the deadline.</summary>
    public static async Task<MqttTestClient> ReconnectPersistentAsync(ClusterNode node, string clientId, MqttProtocolVersion version, DateTime deadline)
    {
        while (true)
        {
            try
            {
                return await ConnectPersistentAsync(node, clientId, version);
            }
            catch (Exception) when (DateTime.UtcNow < deadline)
            {
                // refused or timed out while the dead node's shards move: try again
            }
        }
    }

    public Task SubscribeAsync(string filter, MqttQualityOfServiceLevel qos = MqttQualityOfServiceLevel.AtLeastOnce) =>
        SubscribeAsync(new MqttClientSubscribeOptionsBuilder().WithTopicFilter(filter, qos).Build());

    /// <summary>Subscribes and fails unless every filter was granted.</summary>
    public async Task SubscribeAsync(MqttClientSubscribeOptions options)
    {
        using var cts = new CancellationTokenSource(Timeouts.Mqtt);
        MqttClientSubscribeResult result = await Client.SubscribeAsync(options, cts.Token);
        foreach (MqttClientSubscribeResultItem item in result.Items)
        {
            if ((int)item.ResultCode > 2)
            {
                throw new Xunit.Sdk.XunitException($"{ClientId} on {Node.Name}: SUBSCRIBE {item.TopicFilter.Topic} refused with {item.ResultCode}");
            }
        }
    }

    public async Task UnsubscribeAsync(string filter)
    {
        using var cts = new CancellationTokenSource(Timeouts.Mqtt);
        await Client.UnsubscribeAsync(new MqttClientUnsubscribeOptionsBuilder().WithTopicFilter(filter).Build(), cts.Token);
    }

    public Task PublishAsync(string topic, string payload, MqttQualityOfServiceLevel qos = MqttQualityOfServiceLevel.AtLeastOnce, bool retain = false) =>
        PublishAsync(topic, Encoding.UTF8.GetBytes(payload), qos, retain);

    public Task PublishAsync(string topic, byte[] payload, MqttQualityOfServiceLevel qos = MqttQualityOfServiceLevel.AtLeastOnce, bool retain = false) =>
        PublishAsync(new MqttApplicationMessageBuilder().WithTopic(topic).WithPayload(payload).WithQualityOfServiceLevel(qos).WithRetainFlag(retain).Build());

    /// <summary>Publishes and, at QoS 1/2, fails unless the broker acknowledged it with a success code.</summary>
    public async Task PublishAsync(MqttApplicationMessage message)
    {
        using var cts = new CancellationTokenSource(Timeouts.Mqtt);
        MqttClientPublishResult result = await Client.PublishAsync(message, cts.Token);
        if ((int)result.ReasonCode >= 0x80)
        {
            throw new Xunit.Sdk.XunitException($"{ClientId} on {Node.Name}: PUBLISH {message.Topic} answered {result.ReasonCode}");
        }
    }

    /// <summary>A normal DISCONNECT; a persistent session stays on the broker.</summary>
    public async Task DisconnectAsync()
    {
        using var cts = new CancellationTokenSource(Timeouts.Mqtt);
        await Client.DisconnectAsync(new MqttClientDisconnectOptionsBuilder().Build(), cts.Token);
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (Client.IsConnected)
            {
                using var cts = new CancellationTokenSource(Timeouts.Short);
                await Client.DisconnectAsync(new MqttClientDisconnectOptionsBuilder().Build(), cts.Token);
            }
        }
        catch (Exception)
        {
            // the node may be gone or have closed the connection; disposing must not hide the test's own failure
        }
        Client.Dispose();
    }

    public override string ToString() => $"{ClientId}@{Node.Name}";
}
