using System.Text;
using MQTTnet;
using MQTTnet.Formatter;
using MQTTnet.Protocol;

namespace ClusterBroker.IntegrationTests.Infrastructure;

/// <summary>
/// An MQTTnet client connected to the broker, collecting every received message and the
/// disconnection event. Disposing disconnects it (bounded by a timeout) even when the test failed.
/// </summary>
public sealed class TestClient : IAsyncDisposable
{
    private readonly TaskCompletionSource<MqttClientDisconnectedEventArgs> _disconnected = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private TestClient(IMqttClient client, string clientId)
    {
        Client = client;
        ClientId = clientId;
        client.ApplicationMessageReceivedAsync += e =>
        {
            if (ManualAcks)
            {
                e.AutoAcknowledge = false;
                PendingAcks.Add(e);
            }
            Messages.Add(new ReceivedMessage(e.ApplicationMessage, e.PacketIdentifier));
            return Task.CompletedTask;
        };
        client.DisconnectedAsync += e =>
        {
            if (e.ClientWasConnected)
            {
                _disconnected.TrySetResult(e);
            }
            return Task.CompletedTask;
        };
    }

    public IMqttClient Client { get; }

    public string ClientId { get; }

    public MqttClientConnectResult ConnectResult { get; private set; } = null!;

    public MessageCollector<ReceivedMessage> Messages { get; } = new();

    /// <summary>When set before messages arrive, QoS 1/2 messages are not acknowledged until <see cref="AckAsync"/>.</summary>
    public bool ManualAcks { get; set; }

    public MessageCollector<MqttApplicationMessageReceivedEventArgs> PendingAcks { get; } = new();

    /// <summary>Completes when the broker (or the network) ended a connection that was established.</summary>
    public Task<MqttClientDisconnectedEventArgs> Disconnected => _disconnected.Task;

    public static async Task<TestClient> ConnectAsync(
        int port,
        string? clientId = null,
        MqttProtocolVersion version = MqttProtocolVersion.V500,
        Action<MqttClientOptionsBuilder>? configure = null,
        bool manualAcks = false)
    {
        return await ConnectCoreAsync(b => b.WithTcpServer("127.0.0.1", port), clientId, version, configure, manualAcks);
    }

    /// <summary>
    /// The CONNACK result of a connection attempt: MQTTnet returns a refused result or throws with the result code
    /// named in the message (MqttConnectingFailedException carries no result), so both are read here.
    /// </summary>
    public static async Task<MqttClientConnectResultCode> ConnectResultCodeAsync(
        int port,
        MqttProtocolVersion version = MqttProtocolVersion.V500,
        Action<MqttClientOptionsBuilder>? configure = null)
    {
        try
        {
            await using var client = await ConnectAsync(port, version: version, configure: configure);
            return client.ConnectResult.ResultCode;
        }
        catch (MQTTnet.Adapter.MqttConnectingFailedException e)
        {
            return Enum.GetValues<MqttClientConnectResultCode>()
                .Where(code => e.Message.Contains(code.ToString(), StringComparison.Ordinal))
                .OrderByDescending(code => code.ToString().Length)
                .DefaultIfEmpty(MqttClientConnectResultCode.UnspecifiedError)
                .First();
        }
    }

    /// <summary>Connects over MQTT-over-WebSocket, e.g. ws://127.0.0.1:port/mqtt.</summary>
    public static Task<TestClient> ConnectWebSocketAsync(
        string uri,
        string? clientId = null,
        MqttProtocolVersion version = MqttProtocolVersion.V500,
        Action<MqttClientOptionsBuilder>? configure = null) =>
        ConnectCoreAsync(b => b.WithWebSocketServer(ws => ws.WithUri(uri)), clientId, version, configure, manualAcks: false);

    private static async Task<TestClient> ConnectCoreAsync(
        Action<MqttClientOptionsBuilder> endpoint,
        string? clientId,
        MqttProtocolVersion version,
        Action<MqttClientOptionsBuilder>? configure,
        bool manualAcks)
    {
        clientId ??= Unique.ClientId();
        var client = new MqttClientFactory().CreateMqttClient();
        var testClient = new TestClient(client, clientId) { ManualAcks = manualAcks };
        var builder = new MqttClientOptionsBuilder()
            .WithClientId(clientId)
            .WithProtocolVersion(version)
            .WithTimeout(TestTimeouts.Default);
        endpoint(builder);
        configure?.Invoke(builder);
        try
        {
            using var cts = new CancellationTokenSource(TestTimeouts.Default);
            testClient.ConnectResult = await client.ConnectAsync(builder.Build(), cts.Token);
            return testClient;
        }
        catch
        {
            client.Dispose();
            throw;
        }
    }

    public async Task<MqttClientSubscribeResult> SubscribeAsync(string filter, MqttQualityOfServiceLevel qos = MqttQualityOfServiceLevel.AtLeastOnce)
    {
        using var cts = new CancellationTokenSource(TestTimeouts.Default);
        return await Client.SubscribeAsync(new MqttClientSubscribeOptionsBuilder().WithTopicFilter(filter, qos).Build(), cts.Token);
    }

    public async Task<MqttClientSubscribeResult> SubscribeAsync(MqttClientSubscribeOptions options)
    {
        using var cts = new CancellationTokenSource(TestTimeouts.Default);
        return await Client.SubscribeAsync(options, cts.Token);
    }

    public async Task<MqttClientUnsubscribeResult> UnsubscribeAsync(string filter)
    {
        using var cts = new CancellationTokenSource(TestTimeouts.Default);
        return await Client.UnsubscribeAsync(new MqttClientUnsubscribeOptionsBuilder().WithTopicFilter(filter).Build(), cts.Token);
    }

    public Task<MqttClientPublishResult> PublishAsync(string topic, string payload, MqttQualityOfServiceLevel qos = MqttQualityOfServiceLevel.AtMostOnce, bool retain = false) =>
        PublishAsync(new MqttApplicationMessageBuilder().WithTopic(topic).WithPayload(Encoding.UTF8.GetBytes(payload)).WithQualityOfServiceLevel(qos).WithRetainFlag(retain).Build());

    public async Task<MqttClientPublishResult> PublishAsync(MqttApplicationMessage message)
    {
        using var cts = new CancellationTokenSource(TestTimeouts.Default);
        return await Client.PublishAsync(message, cts.Token);
    }

    /// <summary>Acknowledges the oldest manually held message.</summary>
    public async Task AckAsync(MqttApplicationMessageReceivedEventArgs e)
    {
        using var cts = new CancellationTokenSource(TestTimeouts.Default);
        await e.AcknowledgeAsync(cts.Token);
    }

    public async Task DisconnectAsync(MqttClientDisconnectOptionsReason reason = MqttClientDisconnectOptionsReason.NormalDisconnection, uint? sessionExpiryInterval = null)
    {
        var builder = new MqttClientDisconnectOptionsBuilder().WithReason(reason);
        if (sessionExpiryInterval is { } interval)
        {
            builder.WithSessionExpiryInterval(interval);
        }
        using var cts = new CancellationTokenSource(TestTimeouts.Default);
        await Client.DisconnectAsync(builder.Build(), cts.Token);
    }

    /// <summary>A round trip to the broker (PINGREQ/PINGRESP): everything sent before it was read by the broker.</summary>
    public async Task PingAsync()
    {
        using var cts = new CancellationTokenSource(TestTimeouts.Default);
        await Client.PingAsync(cts.Token);
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (Client.IsConnected)
            {
                using var cts = new CancellationTokenSource(TestTimeouts.Short);
                await Client.DisconnectAsync(new MqttClientDisconnectOptionsBuilder().Build(), cts.Token);
            }
        }
        catch (Exception)
        {
            // the broker may already have closed it; disposing must not hide the test's own failure
        }
        Client.Dispose();
    }
}
