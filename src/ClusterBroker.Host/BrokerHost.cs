using System.Net;
using ClusterBroker.Cluster;
using ClusterBroker.Core;
using ClusterBroker.Host.Security;
using ClusterBroker.Transport;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace ClusterBroker.Host;

/// <summary>
/// One broker node with its listeners, in process: what the executable runs and what integration
/// tests start (on port 0) and stop.
/// </summary>
public sealed class BrokerHost : IAsyncDisposable
{
    private readonly MqttServer _server;
    private readonly ILogger _logger;
    private readonly SemaphoreSlim _stopGate = new(1, 1);
    private bool _stopped;

    private readonly HeapCompactor? _compactor;

    private BrokerHost(BrokerNode node, MqttServer server, BrokerSecurity security, ILogger logger, bool compactHeap)
    {
        Node = node;
        Security = security;
        _server = server;
        _logger = logger;
        if (compactHeap)
            _compactor = new HeapCompactor(() => server.ConnectionCount, logger);
    }

    /// <summary>The bound plain TCP port (the real one when the settings asked for 0).</summary>
    public int Port => _server.TcpEndPoint!.Port;

    /// <summary>Every bound listener address: TCP, then TLS and WebSocket when configured.</summary>
    public IReadOnlyList<IPEndPoint> EndPoints => _server.BoundEndPoints;

    public BrokerNode Node { get; }

    /// <summary>The authenticator, the ACL and the reload of their files.</summary>
    public BrokerSecurity Security { get; }

    /// <summary>Open client connections.</summary>
    public int ConnectionCount => _server.ConnectionCount;

    /// <summary>Validates the settings, starts the node, then its listeners; logs one line saying where it listens.</summary>
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

        BrokerSecurity security = BrokerSecurity.Create(settings.Security.Clone(), loggerFactory);
        BrokerNode node;
        try
        {
            node = await BrokerNode.StartAsync(broker, settings.Cluster, loggerFactory, security.Authenticator, security.Authorizer, ct).ConfigureAwait(false);
        }
        catch
        {
            security.Dispose();
            throw;
        }

        var server = new MqttServer(transport, node.ConnectionHandlers, loggerFactory, node.Metrics);
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

        return new BrokerHost(node, server, security, logger, settings.CompactHeapAfterConnectionBursts);
    }

    /// <summary>
    /// Stops accepting, asks the node to disconnect every client (DISCONNECT 0x8B where 5.0), closes
    /// what is left and the I/O threads. Idempotent.
    /// </summary>
    public async Task StopAsync()
    {
        await _stopGate.WaitAsync().ConfigureAwait(false);
        try
        {
            if (_stopped)
                return;
            _stopped = true;
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
            }
            _logger.LogInformation("ClusterBroker stopped");
        }
        finally
        {
            _stopGate.Release();
        }
    }

    public async ValueTask DisposeAsync() => await StopAsync().ConfigureAwait(false);
}
