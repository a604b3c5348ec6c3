using System.Collections.Concurrent;
using System.Globalization;
using MQTTnet;
using MQTTnet.Formatter;
using MQTTnet.Protocol;

namespace ClusterBroker.Helm.Tests;

/// <summary>The pods clients may connect to (the ready ones), as a client Service would offer them, round robin.</summary>
internal sealed class ReadyPods(IReadOnlyList<string> addresses)
{
    private readonly bool[] _ready = new bool[addresses.Count];
    private int _next;

    public void Set(int ordinal, bool ready) => Volatile.Write(ref _ready[ordinal], ready);

    public string Pick()
    {
        for (int attempt = 0; attempt < addresses.Count * 2; attempt++)
        {
            int i = (int)((uint)Interlocked.Increment(ref _next) % (uint)addresses.Count);
            if (Volatile.Read(ref _ready[i]))
                return addresses[i];
        }
        return addresses[0];
    }
}

/// <summary>
/// An MQTT 5 client with a persistent session (Clean Start 0, Session Expiry 600 s) subscribed at QoS 1 to roll/#;
/// when its pod disconnects it, it reconnects to another ready pod and resumes the session. Records every sequence
/// number received and every reconnect that found no session.
/// </summary>
internal sealed class PersistentSubscriber : IAsyncDisposable
{
    private readonly IMqttClient _client = new MqttClientFactory().CreateMqttClient();
    private readonly ReadyPods _pods;
    private readonly int _port;
    private volatile bool _stopping;

    public PersistentSubscriber(string clientId, ReadyPods pods, int port, bool reconnect = true)
    {
        ClientId = clientId;
        _pods = pods;
        _port = port;
        _client.ApplicationMessageReceivedAsync += e =>
        {
            if (int.TryParse(e.ApplicationMessage.ConvertPayloadToString(), NumberStyles.None, CultureInfo.InvariantCulture, out int seq))
                Received[seq] = 0;
            return Task.CompletedTask;
        };
        _client.DisconnectedAsync += e =>
        {
            if (!_stopping && reconnect)
            {
                Disconnections.Enqueue(e.Reason);
                lock (_moves)
                    _movingSince ??= DateTime.UtcNow;
                Events.Enqueue($"{DateTime.UtcNow:HH:mm:ss.fff} disconnected ({e.Reason}), last received {(Received.IsEmpty ? 0 : Received.Keys.Max())}");
                _ = Task.Run(ReconnectAsync);
            }
            return Task.CompletedTask;
        };
    }

    public string ClientId { get; }

    public ConcurrentDictionary<int, byte> Received { get; } = new();

    public ConcurrentQueue<MqttClientDisconnectReason> Disconnections { get; } = new();

    public int SessionsNotPresent;

    /// <summary>What happened to the connection, with times: for the failure message.</summary>
    public ConcurrentQueue<string> Events { get; } = new();

    private readonly List<(DateTime From, DateTime To)> _moves = [];
    private DateTime? _movingSince;

    /// <summary>
    /// True when the moment falls in one of this client's moves: from its disconnection to 250 ms after its session
    /// resumed elsewhere (a PUBACK is timed at the publisher, after the broker routed the message).
    /// </summary>
    public bool WasMoving(DateTime at)
    {
        lock (_moves)
        {
            if (_movingSince is { } since && at >= since)
                return true;
            return _moves.Any(m => at >= m.From && at <= m.To.AddMilliseconds(250));
        }
    }

    public int Reconnects;

    public async Task StartAsync(string address)
    {
        await _client.ConnectAsync(Options(address, cleanStart: true));
        await SubscribeAsync();
    }

    private MqttClientOptions Options(string address, bool cleanStart) => new MqttClientOptionsBuilder()
        .WithTcpServer(address, _port)
        .WithProtocolVersion(MqttProtocolVersion.V500)
        .WithClientId(ClientId)
        .WithCleanStart(cleanStart)
        .WithSessionExpiryInterval(600)
        .WithTimeout(TimeSpan.FromSeconds(10))
        .Build();

    private Task SubscribeAsync() => _client.SubscribeAsync(new MqttClientSubscribeOptionsBuilder()
        .WithTopicFilter("roll/#", MqttQualityOfServiceLevel.AtLeastOnce)
        .Build());

    private async Task ReconnectAsync()
    {
        while (!_stopping)
        {
            try
            {
                string address = _pods.Pick();
                MqttClientConnectResult result = await _client.ConnectAsync(Options(address, cleanStart: false));
                if (result.ResultCode != MqttClientConnectResultCode.Success)
                {
                    // Refused (e.g. 0x88 from a pod that briefly counted itself in a cluster minority): no session was
                    // attached, so this is no resumption; MQTTnet returns the refusal instead of throwing.
                    Events.Enqueue($"{DateTime.UtcNow:HH:mm:ss.fff} refused by {address} ({result.ResultCode})");
                    await Task.Delay(200);
                    continue;
                }

                Interlocked.Increment(ref Reconnects);
                lock (_moves)
                {
                    _moves.Add((_movingSince ?? DateTime.UtcNow, DateTime.UtcNow));
                    _movingSince = null;
                }
                Events.Enqueue($"{DateTime.UtcNow:HH:mm:ss.fff} reconnected to {address} (session present {result.IsSessionPresent})");
                if (!result.IsSessionPresent)
                {
                    Interlocked.Increment(ref SessionsNotPresent);
                    await SubscribeAsync();
                }
                return;
            }
            catch (Exception) when (!_stopping)
            {
                // The pod picked may be stopping; pace the retries.
                await Task.Delay(200);
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        _stopping = true;
        try
        {
            if (_client.IsConnected)
                await _client.DisconnectAsync();
        }
        catch (Exception)
        {
        }
        _client.Dispose();
    }
}

/// <summary>
/// Publishes roll/N with payload N at QoS 1, one after another, to a ready pod; when a PUBLISH fails (its pod
/// stopped) it reconnects to another ready pod and publishes the same N again. <see cref="Acknowledged"/> holds every
/// N the broker acknowledged: what must not be lost.
/// </summary>
internal sealed class SequencePublisher : IAsyncDisposable
{
    private readonly IMqttClient _client = new MqttClientFactory().CreateMqttClient();
    private readonly ReadyPods _pods;
    private readonly int _port;
    private readonly CancellationTokenSource _stop = new();
    private Task? _loop;
    private int _next;

    public SequencePublisher(ReadyPods pods, int port)
    {
        _pods = pods;
        _port = port;
    }

    public ConcurrentDictionary<int, byte> Acknowledged { get; } = new();

    /// <summary>When each acknowledged message's PUBACK arrived.</summary>
    public ConcurrentDictionary<int, DateTime> AcknowledgedAt { get; } = new();

    private string _address = "";

    public int Failures;

    /// <summary>Publishes one message now (before the rolling traffic starts); true when acknowledged.</summary>
    public async Task<bool> PublishOnceAsync(int seq)
    {
        await EnsureConnectedAsync(CancellationToken.None);
        MqttClientPublishResult result = await _client.PublishAsync(Message(seq));
        return Acked(result);
    }

    public void Start() => _loop = Task.Run(() => LoopAsync(_stop.Token));

    public async Task StopAsync()
    {
        await _stop.CancelAsync();
        if (_loop is not null)
            await _loop;
    }

    private static bool Acked(MqttClientPublishResult result) =>
        result.ReasonCode is MqttClientPublishReasonCode.Success or MqttClientPublishReasonCode.NoMatchingSubscribers;

    private static MqttApplicationMessage Message(int seq) => new MqttApplicationMessageBuilder()
        .WithTopic("roll/" + seq.ToString(CultureInfo.InvariantCulture))
        .WithPayload(seq.ToString(CultureInfo.InvariantCulture))
        .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
        .Build();

    private async Task EnsureConnectedAsync(CancellationToken ct)
    {
        while (!_client.IsConnected)
        {
            try
            {
                _address = _pods.Pick();
                await _client.ConnectAsync(new MqttClientOptionsBuilder()
                    .WithTcpServer(_address, _port)
                    .WithProtocolVersion(MqttProtocolVersion.V500)
                    .WithClientId("roll-publisher")
                    .WithCleanStart(true)
                    .WithTimeout(TimeSpan.FromSeconds(10))
                    .Build(), ct);
            }
            catch (Exception) when (!ct.IsCancellationRequested)
            {
                await Task.Delay(200, ct);
            }
        }
    }

    private async Task LoopAsync(CancellationToken ct)
    {
        _next = 1000;
        try
        {
            while (!ct.IsCancellationRequested)
            {
                int seq = ++_next;
                while (true)
                {
                    try
                    {
                        await EnsureConnectedAsync(ct);
                        MqttClientPublishResult result = await _client.PublishAsync(Message(seq), ct);
                        if (Acked(result))
                        {
                            AcknowledgedAt[seq] = DateTime.UtcNow;
                            Acknowledged[seq] = 0;
                            break;
                        }
                        Interlocked.Increment(ref Failures);
                    }
                    catch (Exception) when (!ct.IsCancellationRequested)
                    {
                        Interlocked.Increment(ref Failures);
                    }
                }
                await Task.Delay(10, ct); // pacing: about 100 messages a second
            }
        }
        catch (Exception) when (ct.IsCancellationRequested)
        {
        }
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await StopAsync();
        }
        catch (Exception)
        {
        }
        try
        {
            if (_client.IsConnected)
                await _client.DisconnectAsync();
        }
        catch (Exception)
        {
        }
        _client.Dispose();
    }
}
