using System.Collections.Concurrent;
using System.Text;
using MQTTnet;
using MQTTnet.Formatter;

namespace ClusterBroker.Storage.Redis.Tests.Infrastructure;

/// <summary>An MQTTnet 5.0 client that records what it receives and lets a test await a message (with a deadline).</summary>
public sealed class MqttTestClient : IAsyncDisposable
{
    private readonly ConcurrentQueue<(string Topic, string Payload, bool Retain)> _received = new();
    private readonly SemaphoreSlim _arrived = new(0);

    private MqttTestClient(IMqttClient client)
    {
        Client = client;
        client.ApplicationMessageReceivedAsync += e =>
        {
            _received.Enqueue((e.ApplicationMessage.Topic, Encoding.UTF8.GetString(e.ApplicationMessage.Payload), e.ApplicationMessage.Retain));
            _arrived.Release();
            return Task.CompletedTask;
        };
    }

    public IMqttClient Client { get; }

    public IReadOnlyList<(string Topic, string Payload, bool Retain)> Received => [.. _received];

    public static async Task<MqttTestClient> ConnectAsync(int port)
    {
        IMqttClient client = new MqttClientFactory().CreateMqttClient();
        using var cts = new CancellationTokenSource(TestTimeouts.Default);
        await client.ConnectAsync(
            new MqttClientOptionsBuilder().WithTcpServer("127.0.0.1", port).WithProtocolVersion(MqttProtocolVersion.V500).WithClientId(Guid.NewGuid().ToString("N")).WithTimeout(TestTimeouts.Default).Build(),
            cts.Token);
        return new MqttTestClient(client);
    }

    public async Task<MqttClientPublishResult> PublishRetainedAsync(string topic, string payload)
    {
        using var cts = new CancellationTokenSource(TestTimeouts.Default);
        return await Client.PublishAsync(
            new MqttApplicationMessageBuilder().WithTopic(topic).WithPayload(payload).WithQualityOfServiceLevel(MQTTnet.Protocol.MqttQualityOfServiceLevel.AtLeastOnce).WithRetainFlag().Build(),
            cts.Token);
    }

    public async Task SubscribeAsync(string filter)
    {
        using var cts = new CancellationTokenSource(TestTimeouts.Default);
        await Client.SubscribeAsync(new MqttClientSubscribeOptionsBuilder().WithTopicFilter(filter, MQTTnet.Protocol.MqttQualityOfServiceLevel.AtLeastOnce).Build(), cts.Token);
    }

    /// <summary>Waits until <paramref name="count"/> messages on the topic arrived and returns them; fails with what arrived otherwise.</summary>
    public async Task<List<(string Topic, string Payload, bool Retain)>> WaitForCountAsync(string topic, int count)
    {
        DateTime deadline = DateTime.UtcNow + TestTimeouts.Default;
        while (true)
        {
            var matching = _received.Where(m => m.Topic == topic).ToList();
            if (matching.Count >= count)
            {
                return matching;
            }

            TimeSpan left = deadline - DateTime.UtcNow;
            if (left <= TimeSpan.Zero || !await _arrived.WaitAsync(left))
            {
                Assert.Fail($"fewer than {count} message(s) on '{topic}'; received: {string.Join(" | ", _received.Select(m => m.Topic))}");
            }
        }
    }

    /// <summary>A round trip: everything the broker sent before answering PINGREQ has been received.</summary>
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
                using var cts = new CancellationTokenSource(TestTimeouts.Default);
                await Client.DisconnectAsync(new MqttClientDisconnectOptionsBuilder().Build(), cts.Token);
            }
        }
        catch (Exception ex) when (ex is MQTTnet.Exceptions.MqttCommunicationException or OperationCanceledException)
        {
        }

        Client.Dispose();
    }
}
