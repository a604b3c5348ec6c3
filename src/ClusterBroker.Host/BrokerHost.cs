using ClusterBroker.Storage.Redis;
using System.Diagnostics;
using System.Net;
using ClusterBroker.Cluster;
using ClusterBroker.Core;
using ClusterBroker.Core.Channel;
using ClusterBroker.Protocol;
using ClusterBroker.Host.Security;
using ClusterBroker.Storage.Redis.Retained;
using ClusterBroker.Transport;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace ClusterBroker.Host;

/// <summary>
/// One broker node with its listeners, in process: what the executable runs and what integration
/// tests start (on port 0) and stop. With <see cref="BrokerHostSettings.Http"/> set it also serves the
/// operations endpoints (metrics, health, admin API), started before the node joins its cluster.
/// </summary>
public sealed class BrokerHost : IAsyncDisposable
{
    private static readonly TimeSpan s_readinessTimeout = TimeSpan.FromSeconds(2);

    private readonly MqttServer _server;
    private readonly ILogger _logger;
    private readonly SemaphoreSlim _stopGate = new(1, 1);
    private readonly OperationsHttpServer? _http;
    private readonly DrainOptions _drain;
    private readonly List<(string Name, Func<CancellationToken, Task<string?>> Check)> _readinessChecks = [];
    private readonly TaskCompletionSource _stoppedItself = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly object _drainLock = new();
    private Task? _drainTask;
    private volatile bool _draining;
    private volatile bool _stopping;
    private bool _stopped;

    private readonly HeapCompactor? _compactor;
    private readonly RedisStores? _redis;

    private BrokerHost(BrokerNode node, MqttServer server, BrokerSecurity security, RedisStores? redis, OperationsHttpServer? http, DrainOptions drain, ILogger logger, bool compactHeap)
    {
        Node = node;
        Security = security;
        _server = server;
        _redis = redis;
        _http = http;
        _drain = drain;
        _logger = logger;
        if (compactHeap)
            _compactor = new HeapCompactor(() => server.ConnectionCount, logger);
        _ = WatchActorSystemAsync();
    }

    /// <summary>The bound plain TCP port (the real one when the settings asked for 0).</summary>
    public int Port => _server.TcpEndPoint!.Port;

    /// <summary>Every bound listener address: TCP, then TLS and WebSocket when configured.</summary>
    public IReadOnlyList<IPEndPoint> EndPoints => _server.BoundEndPoints;

    /// <summary>The bound HTTP endpoint (metrics, health, admin API), or null when HTTP is off.</summary>
    public IPEndPoint? HttpEndPoint => _http?.EndPoint;

    public BrokerNode Node { get; }

    /// <summary>The authenticator, the ACL and the reload of their files.</summary>
    public BrokerSecurity Security { get; }
    /// <summary>The Redis-backed retained store, when Redis is configured (for tests and diagnostics).</summary>
    public RedisRetainedMessageStore? RedisRetained => _redis?.Retained;

    /// <summary>The Redis connection and stores, when Redis is configured (the metrics read their counters).</summary>
    internal RedisStores? Redis => _redis;

    /// <summary>Open client connections.</summary>
    public int ConnectionCount => _server.ConnectionCount;

    /// <summary>QoS 0 messages the transport dropped for clients whose sockets did not keep up.</summary>
    public long DroppedQoS0Messages => _server.DroppedQoS0Messages;

    /// <summary>True from the start of a drain (or stop): the node is not ready and accepts no connections.</summary>
    public bool Draining => _draining;

    /// <summary>The period a drain spreads its disconnects over.</summary>
    public TimeSpan DrainPeriod => _drain.Period;

    /// <summary>True when the node's actor system ended without a stop being asked for (the cluster downed this node).</summary>
    public bool TerminatedUnexpectedly { get; private set; }

    /// <summary>
    /// Completes once the host has stopped, whatever stopped it: a drain (SIGTERM, or asked through the admin API)
    /// finished, or the cluster removed this node. The executable then exits.
    /// </summary>
    public Task Stopped => _stoppedItself.Task;

    /// <summary>Validates the settings, starts the HTTP listener (if any), the node, then its listeners; logs one line saying where it listens.</summary>
    public static async Task<BrokerHost> StartAsync(BrokerHostSettings settings, ILoggerFactory? loggerFactory = null, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(settings);
        loggerFactory ??= NullLoggerFactory.Instance;
        ILogger logger = loggerFactory.CreateLogger("ClusterBroker.Host");

        IReadOnlyList<string> errors = settings.GetValidationErrors();
        if (errors.Count > 0)
            throw new ArgumentException("Invalid configuration: " + string.Join(" ", errors));

        (ulong Soft, ulong Hard)? files = OpenFileLimit.RaiseToHardLimit();

        BrokerOptions broker = settings.Broker.Clone();
        TransportOptions transport = settings.Transport.Clone();
        transport.MaximumPacketSize = (int)Math.Min(broker.MaximumPacketSize, int.MaxValue);

        var state = new BrokerHostState(settings);
        OperationsHttpServer? http = null;
        if (settings.Http is { } httpOptions)
        {
            http = await OperationsHttpServer.StartAsync(httpOptions.Clone(), state, loggerFactory, ct).ConfigureAwait(false);
            logger.LogInformation("HTTP endpoints (/metrics, /health/live, /health/ready, /api/v1) on http://{EndPoint}", http.EndPoint);
        }

        bool securityInRedis = settings.Security.RedisUsers || settings.Security.RedisAcl;
        RedisStores? redis = settings.Redis.IsConfigured
            ? await RedisStores.StartAsync(settings.Redis, settings.Sessions.UsesRedis(redisConfigured: true), securityInRedis, loggerFactory, http?.Metrics.RedisRoundTrips, settings.Cluster.StableAfter).ConfigureAwait(false)
            : null;
        BrokerSecurity security;
        try
        {
            security = BrokerSecurity.Create(settings.Security.Clone(), loggerFactory, redis?.Security);
        }
        catch
        {
            if (redis is not null)
                await redis.DisposeAsync().ConfigureAwait(false);
            if (http is not null)
                await http.DisposeAsync().ConfigureAwait(false);
            throw;
        }

        if (redis is null)
            logger.LogInformation("Retained messages: in memory, this node's alone (no Redis configured)");
        BrokerNode node;
        try
        {
            node = await BrokerNode.StartAsync(broker, settings.Cluster, loggerFactory, security.Authenticator, security.Authorizer, redis?.NodeStores, ct).ConfigureAwait(false);
        }
        catch
        {
            security.Dispose();
            if (redis is not null)
                await redis.DisposeAsync().ConfigureAwait(false);
            if (http is not null)
                await http.DisposeAsync().ConfigureAwait(false);
            throw;
        }

        // Before the listeners open, so the first clients' deliveries are measured too.
        if (http is not null)
            node.Metrics.DeliveryLatency = http.Metrics.DeliveryLatency;
        var server = new MqttServer(transport, node.ConnectionHandlers, loggerFactory, node.Metrics, node.Metrics);
        try
        {
            await server.StartAsync().ConfigureAwait(false);
        }
        catch
        {
            await server.StopAsync().ConfigureAwait(false);
            await node.StopAsync(CancellationToken.None).ConfigureAwait(false);
            await node.DisposeAsync().ConfigureAwait(false);
            security.Dispose();
            if (redis is not null)
                await redis.DisposeAsync().ConfigureAwait(false);
            if (http is not null)
                await http.DisposeAsync().ConfigureAwait(false);
            throw;
        }

        var listeners = new List<string> { $"mqtt://{server.TcpEndPoint}" };
        if (server.TlsEndPoint is { } tls)
            listeners.Add($"mqtts://{tls}");
        if (server.WebSocketEndPoint is { } ws)
            listeners.Add($"ws://{ws}{transport.WebSocket!.Path}");
        long ceiling = files is { } f ? (long)Math.Min(f.Soft, int.MaxValue) - OpenFileLimit.Reserved : -1;
        long effectiveCeiling = ceiling < 0 ? broker.MaxConnections : Math.Min(ceiling, broker.MaxConnections);
        logger.LogInformation(
            "ClusterBroker {Version} listening on {Listeners} (open files {OpenFiles}, connection ceiling {Ceiling}, listen backlog {Backlog})",
            broker.Version, string.Join(", ", listeners), files is { } l ? l.Soft.ToString(System.Globalization.CultureInfo.InvariantCulture) : "unknown",
            effectiveCeiling, server.EffectiveBacklog);
        if (ceiling >= 0 && ceiling < broker.MaxConnections)
            logger.LogDebug("Broker:MaxConnections {MaxConnections} exceeds what the open files limit allows ({Ceiling})", broker.MaxConnections, ceiling);

        var host = new BrokerHost(node, server, security, redis, http, settings.Drain.Clone(), logger, settings.CompactHeapAfterConnectionBursts);
        state.Host = host;
        if (redis is not null)
        {
            // Ready only while Redis answers: without it retained messages are not shared (design.md section 2).
            RedisConnection connection = redis.Connection;
            host.AddReadinessCheck("redis", _ => Task.FromResult(connection.IsConnected ? null : $"Redis ({connection.Endpoints}) is not reachable"));
        }

        return host;
    }

    /// <summary>
    /// Adds a condition of readiness: the check returns null when satisfied, else the reason (shown by /health/ready).
    /// For stores outside the process (Redis: "reachable when configured").
    /// </summary>
    public void AddReadinessCheck(string name, Func<CancellationToken, Task<string?>> check)
    {
        lock (_readinessChecks)
            _readinessChecks.Add((name, check));
    }

    /// <summary>Ready = not draining, Up in the cluster, shard regions registered, and every added check satisfied.</summary>
    public async Task<HostReadiness> GetReadinessAsync(CancellationToken cancellationToken = default)
    {
        if (_draining || _stopping)
            return new HostReadiness(false, "draining", Node.WhenTerminated.IsCompleted ? "Removed" : "Leaving", true, ["the node is draining"]);
        NodeReadiness node = await Node.GetReadinessAsync(s_readinessTimeout).ConfigureAwait(false);
        var reasons = new List<string>(node.Reasons);
        (string Name, Func<CancellationToken, Task<string?>> Check)[] checks;
        lock (_readinessChecks)
            checks = [.. _readinessChecks];
        foreach ((string name, Func<CancellationToken, Task<string?>> check) in checks)
        {
            string? reason;
            try
            {
                reason = await check(cancellationToken).WaitAsync(s_readinessTimeout, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                reason = ex.Message;
            }
            if (reason is not null)
                reasons.Add($"{name}: {reason}");
        }
        bool ready = reasons.Count == 0;
        return new HostReadiness(ready, ready ? "ready" : "not ready", node.MemberStatus, false, reasons);
    }

    /// <summary>
    /// Drains the node, then stops it (idempotent; SIGTERM, Ctrl+C and POST /api/v1/drain all come here): readiness
    /// turns false and the listeners close at once; the connected clients are disconnected spread evenly over
    /// <see cref="DrainOptions.Period"/> (MQTT 5: DISCONNECT 0x9C Use another server with the Server Reference when one
    /// is configured, else 0x8B Server shutting down); then <see cref="StopAsync"/> hands the sessions back and leaves
    /// the cluster.
    /// </summary>
    public Task DrainAsync()
    {
        lock (_drainLock)
        {
            _draining = true; // not ready from this moment
            return _drainTask ??= Task.Run(DrainCoreAsync);
        }
    }

    private async Task DrainCoreAsync()
    {
        _draining = true;
        BrokerContext context = Node.Context;
        string? reference = string.IsNullOrWhiteSpace(_drain.ServerReference) ? null : _drain.ServerReference;
        ReasonCode reason = reference is null ? ReasonCode.ServerShuttingDown : ReasonCode.UseAnotherServer;
        try
        {
            await _server.StopListeningAsync().ConfigureAwait(false);
            context.ShuttingDown = true;
            List<MqttChannel> channels = context.Connections.Snapshot();
            _logger.LogInformation(
                "Draining: not ready, listeners closed; disconnecting {Count} connection(s) over {Period} s with reason 0x{Reason:X2}{Reference}",
                channels.Count, _drain.Period.TotalSeconds, (byte)reason, reference is null ? "" : " and Server Reference " + reference);
            long start = Stopwatch.GetTimestamp();
            for (int i = 0; i < channels.Count; i++)
            {
                // Connection i leaves at period * i / count: an even spread, in slices of at least 10 ms.
                TimeSpan due = _drain.Period * i / channels.Count;
                TimeSpan wait = due - Stopwatch.GetElapsedTime(start);
                if (wait >= TimeSpan.FromMilliseconds(10))
                    await Task.Delay(wait).ConfigureAwait(false);
                _ = channels[i].DisconnectFromServer(reason, reference);
            }
        }
        catch (Exception ex)
        {
            _logger.LogWarning(ex, "Draining failed; stopping at once");
        }
        await StopAsync().ConfigureAwait(false);
    }

    /// <summary>
    /// Stops accepting, asks the node to disconnect every client (DISCONNECT 0x8B where 5.0), closes
    /// what is left and the I/O threads, then the HTTP listener. Idempotent.
    /// </summary>
    public async Task StopAsync()
    {
        _stopping = true;
        await _stopGate.WaitAsync().ConfigureAwait(false);
        try
        {
            if (_stopped)
                return;
            _stopped = true;
            _draining = true;
            _logger.LogInformation("ClusterBroker stopping ({Connections} connections)", _server.ConnectionCount);
            if (_compactor is not null)
                await _compactor.DisposeAsync().ConfigureAwait(false);
            await _server.StopListeningAsync().ConfigureAwait(false);
            try
            {
                await Node.StopAsync(CancellationToken.None).ConfigureAwait(false);
            }
            finally
            {
                await _server.StopAsync().ConfigureAwait(false);
                await Node.DisposeAsync().ConfigureAwait(false);
                Security.Dispose();
                // After the node: the Wills and retained messages of the last clients are written before the connection closes.
                if (_redis is not null)
                    await _redis.DisposeAsync().ConfigureAwait(false);
                if (_http is not null)
                    await _http.DisposeAsync().ConfigureAwait(false);
            }
            _logger.LogInformation("ClusterBroker stopped");
        }
        finally
        {
            _stopGate.Release();
            _stoppedItself.TrySetResult();
        }
    }

    private async Task WatchActorSystemAsync()
    {
        await Node.WhenTerminated.ConfigureAwait(false);
        if (_stopping)
            return;
        TerminatedUnexpectedly = true;
        _logger.LogCritical("This node's actor system terminated: the cluster removed (downed) this node. Stopping, so that the process exits and a restart rejoins the cluster.");
        await StopAsync().ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync() => await StopAsync().ConfigureAwait(false);
}
