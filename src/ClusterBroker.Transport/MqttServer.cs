using System.Net;
using System.Net.Sockets;
using ClusterBroker.Core.Connections;
using ClusterBroker.Transport.Internal;
using ClusterBroker.Transport.Proxy;
using ClusterBroker.Transport.Quotas;
using ClusterBroker.Transport.Tls;
using ClusterBroker.Transport.WebSockets;
using DotNetty.Buffers;
using DotNetty.Transport.Bootstrapping;
using DotNetty.Transport.Channels;
using DotNetty.Transport.Channels.Sockets;
using Microsoft.Extensions.Logging;

namespace ClusterBroker.Transport;

/// <summary>
/// The MQTT listeners of one node (TCP, optionally TLS and WebSocket) on DotNetty. Each accepted
/// socket gets a pipeline [TLS | WebSocket] -> frame decoder -> connection (which encodes what it sends), and a handler
/// from the <see cref="IConnectionHandlerFactory"/>; no DotNetty type leaves this assembly.
/// </summary>
public sealed class MqttServer : IAsyncDisposable
{
    private readonly TransportOptions _options;
    private readonly ILogger _logger;
    private readonly ConnectionContext _connections;
    private readonly List<IChannel> _listeners = [];
    private readonly List<IPEndPoint> _boundEndPoints = [];
    private readonly SemaphoreSlim _lifecycle = new(1, 1);
    private IEventLoopGroup? _bossGroup;
    private IEventLoopGroup? _workerGroup;
    private IByteBufferAllocator? _allocator;
    private TlsServerSettings? _tls;
    private readonly ListenerQuotas? _tcpQuotas;
    private readonly ListenerQuotas? _tlsQuotas;
    private readonly ListenerQuotas? _webSocketQuotas;
    private bool _started;
    private bool _stopped;

    /// <param name="trafficMeter">Counts the bytes of every frame received and sent (for $SYS), when given.</param>
    /// <param name="quotaMeter">Counts what the listeners' quotas do (for $SYS and /metrics), when given.</param>
    public MqttServer(TransportOptions options, IConnectionHandlerFactory handlers, ILoggerFactory loggerFactory, ITrafficMeter? trafficMeter = null, IQuotaMeter? quotaMeter = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(handlers);
        ArgumentNullException.ThrowIfNull(loggerFactory);
        _options = options.Clone();
        _options.Validate();
        _logger = loggerFactory.CreateLogger<MqttServer>();
        _connections = new ConnectionContext(handlers, loggerFactory.CreateLogger("ClusterBroker.Transport.Connection"), _options.CloseTimeout, trafficMeter, _options.DisconnectLinger);
        _tcpQuotas = QuotasOf(_options.Quotas, "Transport:Quotas", quotaMeter);
        _tlsQuotas = _options.Tls is { } tls ? QuotasOf(tls.Quotas, "Transport:Tls:Quotas", quotaMeter) : null;
        _webSocketQuotas = _options.WebSocket is { } ws ? QuotasOf(ws.Quotas, "Transport:WebSocket:Quotas", quotaMeter) : null;
    }

    /// <summary>The addresses actually bound, in the order TCP, TLS, WebSocket (a requested port 0 shows the real port).</summary>
    public IReadOnlyList<IPEndPoint> BoundEndPoints => _boundEndPoints;

    /// <summary>The plain TCP listener's address, once started.</summary>
    public IPEndPoint? TcpEndPoint { get; private set; }

    /// <summary>The TLS listener's address, once started, if configured.</summary>
    public IPEndPoint? TlsEndPoint { get; private set; }

    /// <summary>The WebSocket listener's address, once started, if configured.</summary>
    public IPEndPoint? WebSocketEndPoint { get; private set; }

    /// <summary>The listen backlog the kernel actually applies (the configured one capped by net.core.somaxconn).</summary>
    public int EffectiveBacklog { get; private set; }

    /// <summary>Connections currently open.</summary>
    public int ConnectionCount => _connections.Count;

    /// <summary>QoS 0 messages dropped because their client did not read fast enough.</summary>
    public long DroppedQoS0Messages => Interlocked.Read(ref _connections.DroppedQoS0Messages);

    /// <summary>Binds every configured listener; throws (and releases what was bound) if one cannot be bound.</summary>
    public async Task StartAsync()
    {
        await _lifecycle.WaitAsync().ConfigureAwait(false);
        try
        {
            if (_started)
                throw new InvalidOperationException("The server was already started.");
            _started = true;

            BufferLeakDetection.DisableUnlessConfigured();
            int threads = _options.EventLoopThreads > 0 ? _options.EventLoopThreads : Environment.ProcessorCount;
            _bossGroup = new MultithreadEventLoopGroup(1);
            _workerGroup = new MultithreadEventLoopGroup(threads);
            // Heap arenas only, one per I/O thread, 2 MiB chunks (8 KiB pages << 8) and small thread caches:
            // buffers live only for the duration of one read or write (the frame decoder copies frames
            // out, PUBLISH payloads are written from their own arrays), so the pool stays a few MiB
            // whatever the number of connections; DotNetty's default would be 2 x cores arenas of 16 MiB.
            _allocator = new PooledByteBufferAllocator(false, threads, 0, 8192, 8, 64, 32, 8);
            EffectiveBacklog = CapBacklog(_options.Backlog);

            IPAddress address = IPAddress.Parse(_options.BindAddress);
            try
            {
                TcpEndPoint = await BindAsync(address, _options.Port, ListenerKind.Tcp).ConfigureAwait(false);
                if (_options.Tls is { } tls)
                {
                    _tls = new TlsServerSettings(tls, _logger);
                    TlsEndPoint = await BindAsync(address, tls.Port, ListenerKind.Tls).ConfigureAwait(false);
                    _logger.LogInformation(
                        "TLS listener {EndPoint}: certificate {Subject}, TLS {MinimumProtocol} or newer, client certificates {ClientCertificate}{Authorities}",
                        TlsEndPoint, _tls.Certificate.Subject, tls.MinimumProtocol, tls.ClientCertificate.ToString().ToLowerInvariant(),
                        _tls.ClientValidator is { } v ? $" (CAs: {v.AuthorityCount}, revoked in CRL: {v.RevokedCount}, user name from: {tls.CertificateAsUsername.ToString().ToLowerInvariant()})" : "");
                }
                if (_options.WebSocket is { } ws)
                    WebSocketEndPoint = await BindAsync(address, ws.Port, ListenerKind.WebSocket).ConfigureAwait(false);
            }
            catch
            {
                await ShutdownAsync().ConfigureAwait(false);
                throw;
            }
        }
        finally
        {
            _lifecycle.Release();
        }
    }

    /// <summary>Closes the listeners (no new connection is accepted); open connections stay.</summary>
    public async Task StopListeningAsync()
    {
        IChannel[] listeners;
        lock (_listeners)
        {
            listeners = [.. _listeners];
            _listeners.Clear();
        }
        foreach (IChannel listener in listeners)
        {
            try
            {
                await listener.CloseAsync().ConfigureAwait(false);
            }
            catch (Exception ex)
            {
                _logger.LogDebug(ex, "Closing listener {EndPoint} failed", listener.LocalAddress);
            }
        }
    }

    /// <summary>Stops accepting, closes every open connection (their handlers see OnConnectionClosed) and the I/O threads. Idempotent.</summary>
    public async Task StopAsync()
    {
        await _lifecycle.WaitAsync().ConfigureAwait(false);
        try
        {
            if (_stopped || !_started)
            {
                _stopped = true;
                return;
            }
            _stopped = true;
            await ShutdownAsync().ConfigureAwait(false);
        }
        finally
        {
            _lifecycle.Release();
        }
    }

    public async ValueTask DisposeAsync() => await StopAsync().ConfigureAwait(false);

    private async Task ShutdownAsync()
    {
        await StopListeningAsync().ConfigureAwait(false);

        var closing = new List<Task>();
        foreach (MqttConnection connection in _connections.Snapshot())
            closing.Add(connection.CloseNowAsync());
        if (closing.Count > 0)
        {
            _logger.LogDebug("Closing {Count} connections", closing.Count);
            Task all = Task.WhenAll(closing);
            if (await Task.WhenAny(all, Task.Delay(TimeSpan.FromSeconds(5))).ConfigureAwait(false) != all)
                _logger.LogWarning("{Count} of {Total} connection(s) did not close within 5 s at shutdown", closing.Count(c => !c.IsCompleted), closing.Count);
        }

        // Every connection is closed by now: no quiet period is needed, pending tasks still run.
        var groups = new List<Task>();
        if (_bossGroup is not null)
            groups.Add(_bossGroup.ShutdownGracefullyAsync(TimeSpan.Zero, TimeSpan.FromMilliseconds(200)));
        if (_workerGroup is not null)
            groups.Add(_workerGroup.ShutdownGracefullyAsync(TimeSpan.Zero, TimeSpan.FromMilliseconds(200)));
        try
        {
            Task loops = Task.WhenAll(groups);
            if (await Task.WhenAny(loops, Task.Delay(TimeSpan.FromSeconds(5))).ConfigureAwait(false) != loops)
                _logger.LogWarning("The I/O threads did not stop within 5 s at shutdown");
        }
        catch (Exception ex)
        {
            _logger.LogDebug(ex, "Event loop shutdown failed");
        }
    }

    private async Task<IPEndPoint> BindAsync(IPAddress address, int port, ListenerKind kind)
    {
        AddressFamily family = address.AddressFamily;
        var bootstrap = new ServerBootstrap()
            .Group(_bossGroup!, _workerGroup!)
            .ChannelFactory(() => new TcpServerSocketChannel(family))
            .Option(ChannelOption.SoBacklog, _options.Backlog)
            .Option(ChannelOption.Allocator, _allocator!)
            .ChildOption(ChannelOption.Allocator, _allocator!)
            .ChildOption(ChannelOption.RcvbufAllocator, new AdaptiveRecvByteBufAllocator(64, 1024, 64 * 1024))
            .ChildOption(ChannelOption.TcpNodelay, true)
            .ChildOption(ChannelOption.AutoRead, true)
            .ChildOption(ChannelOption.WriteBufferHighWaterMark, _options.MaximumPendingOutgoingBytes)
            .ChildOption(ChannelOption.WriteBufferLowWaterMark, _options.MaximumPendingOutgoingBytes / 2)
            .ChildHandler(new ActionChannelInitializer<IChannel>(channel => InitializeChild(channel, kind)));

        if (family == AddressFamily.InterNetworkV6 && address.Equals(IPAddress.IPv6Any))
            bootstrap.ChannelFactory(() => new TcpServerSocketChannel(
                new Socket(AddressFamily.InterNetworkV6, SocketType.Stream, ProtocolType.Tcp) { DualMode = true }));

        IChannel listener = await bootstrap.BindAsync(new IPEndPoint(address, port)).ConfigureAwait(false);
        lock (_listeners)
            _listeners.Add(listener);
        var bound = (IPEndPoint)listener.LocalAddress;
        if (bound.Address.IsIPv4MappedToIPv6)
            bound = new IPEndPoint(bound.Address.MapToIPv4(), bound.Port);
        _boundEndPoints.Add(bound);
        _logger.LogDebug("{Kind} listener bound to {EndPoint} (backlog {Backlog})", kind, bound, EffectiveBacklog);
        if (IsProxied(kind))
            _logger.LogInformation("{Kind} listener {EndPoint} expects the PROXY protocol (v1 or v2) on every connection", kind, bound);
        return bound;
    }

    private void InitializeChild(IChannel channel, ListenerKind kind)
    {
        ListenerQuotas? quotas = kind switch
        {
            ListenerKind.Tcp => _tcpQuotas,
            ListenerKind.Tls => _tlsQuotas,
            _ => _webSocketQuotas,
        };
        if (quotas is not null && !quotas.Admit(channel))
        {
            channel.CloseAsync();
            return;
        }

        IChannelPipeline pipeline = channel.Pipeline;
        string? proxySetting = kind switch
        {
            ListenerKind.Tcp when _options.ProxyProtocol => "Transport:ProxyProtocol",
            ListenerKind.Tls when _options.Tls!.ProxyProtocol => "Transport:Tls:ProxyProtocol",
            ListenerKind.WebSocket when _options.WebSocket!.ProxyProtocol => "Transport:WebSocket:ProxyProtocol",
            _ => null,
        };
        if (proxySetting is not null)
            pipeline.AddLast("proxy", new ProxyProtocolHandler(_connections.Logger, proxySetting));
        if (kind == ListenerKind.Tls)
            pipeline.AddLast("tls", new SslStreamHandler(_tls!, _connections.Logger));
        else if (kind == ListenerKind.WebSocket)
            pipeline.AddLast("websocket", new WebSocketServerHandler(_options.WebSocket!.Path, _connections.Logger));

        var decoder = new MqttFrameDecoder(_options.MaximumPacketSize, _connections.TrafficMeter);
        var connection = new MqttConnection(_connections, channel, decoder, quotas?.ForNewClient(), quotas?.Meter);
        if (quotas is not null && quotas.LimitsBytes)
            pipeline.AddLast("quota", new InboundByteCounter(connection));
        pipeline.AddLast("decoder", decoder);
        pipeline.AddLast("connection", connection);
    }

    /// <summary>Null when the listener sets no quota: its connections then pay nothing for the feature.</summary>
    private ListenerQuotas? QuotasOf(ListenerQuotaOptions options, string section, IQuotaMeter? meter)
    {
        if (!options.LimitsClients && !options.LimitsConnections)
            return null;
        _logger.LogInformation(
            "{Section}: max connections {MaxConnections}, connections/s {ConnectionRate} (burst {ConnectionBurst}), bytes/s per client {BytesPerSecond} (burst {BytesBurst}), publishes/s per client {PublishRate} (burst {PublishBurst}), disconnect after {DisconnectAfter} (0 = unlimited/default/never)",
            section, options.MaxConnections, options.ConnectionRate, options.ConnectionBurst, options.BytesPerSecond, options.BytesBurst, options.PublishRate, options.PublishBurst, options.DisconnectAfter);
        return new ListenerQuotas(options, section, meter, _logger);
    }

    private bool IsProxied(ListenerKind kind) => kind switch
    {
        ListenerKind.Tcp => _options.ProxyProtocol,
        ListenerKind.Tls => _options.Tls?.ProxyProtocol == true,
        _ => _options.WebSocket?.ProxyProtocol == true,
    };

    private int CapBacklog(int requested)
    {
        const string path = "/proc/sys/net/core/somaxconn";
        try
        {
            if (File.Exists(path) && int.TryParse(File.ReadAllText(path).Trim(), out int somaxconn) && somaxconn < requested)
            {
                _logger.LogWarning(
                    "The listen backlog of {Requested} is capped at {SoMaxConn} by net.core.somaxconn; raise it (sysctl -w net.core.somaxconn={Requested}) for connection storms",
                    requested, somaxconn, requested);
                return somaxconn;
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            _logger.LogDebug(ex, "Could not read {Path}", path);
        }
        return requested;
    }

    private enum ListenerKind
    {
        Tcp,
        Tls,
        WebSocket,
    }
}
