using Microsoft.Extensions.Logging;
using StackExchange.Redis;

namespace ClusterBroker.Storage.Redis;

/// <summary>
/// The node's one <see cref="ConnectionMultiplexer"/>, shared by every Redis-backed store of the node (design
/// section 2: one shared multiplexer, used asynchronously). Connecting never fails the start: abortConnect is
/// false, so a node whose Redis is down starts anyway, says so loudly (a log line naming the endpoints, and
/// <see cref="ConnectionFailures"/>), and the multiplexer keeps reconnecting in the background.
/// </summary>
public sealed class RedisConnection : IAsyncDisposable
{
    private readonly ILogger _logger;
    private long _connectionFailures;
    private int _disposed;

    private RedisConnection(ConnectionMultiplexer multiplexer, RedisOptions options, ILogger logger)
    {
        Multiplexer = multiplexer;
        Options = options;
        _logger = logger;
        Endpoints = string.Join(", ", multiplexer.GetEndPoints(configuredOnly: true).Select(e => e.ToString()));
        multiplexer.ConnectionFailed += OnConnectionFailed;
        multiplexer.ConnectionRestored += OnConnectionRestored;
    }

    /// <summary>Raised (on a StackExchange.Redis thread) when a connection to Redis comes back; stores use it to resynchronise.</summary>
    public event Action<ConnectionType>? Restored;

    public IConnectionMultiplexer Multiplexer { get; }

    public RedisOptions Options { get; }

    /// <summary>The configured endpoints, for log lines ("127.0.0.1:6379, 10.0.0.2:6379").</summary>
    public string Endpoints { get; }

    /// <summary>True while at least one endpoint is connected.</summary>
    public bool IsConnected => Multiplexer.IsConnected;

    /// <summary>Connections to Redis that failed or were lost (the failed first connect included).</summary>
    public long ConnectionFailures => Interlocked.Read(ref _connectionFailures);

    /// <summary>
    /// Connects (at most <see cref="RedisOptions.ConnectTimeout"/> per attempt) and returns the connection, whether
    /// Redis answered or not; when it did not, logs an error naming the endpoints and keeps retrying in the background.
    /// </summary>
    public static async Task<RedisConnection> ConnectAsync(RedisOptions options, ILoggerFactory loggerFactory)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(loggerFactory);
        options = options.Clone();
        if (options.GetValidationErrors() is { Count: > 0 } errors)
        {
            throw new ArgumentException("Invalid Redis options: " + string.Join(" ", errors));
        }

        ILogger logger = loggerFactory.CreateLogger<RedisConnection>();
        ConnectionMultiplexer multiplexer = await ConnectionMultiplexer.ConnectAsync(options.ToConfigurationOptions()).ConfigureAwait(false);
        var connection = new RedisConnection(multiplexer, options, logger);
        if (multiplexer.IsConnected)
        {
            logger.LogInformation("Redis: connected to {Endpoints} (key prefix '{KeyPrefix}')", connection.Endpoints, options.KeyPrefix);
        }
        else
        {
            Interlocked.Increment(ref connection._connectionFailures);
            logger.LogError(
                "Redis at {Endpoints} is unreachable: retained messages are not shared with the other nodes until it answers (new retained messages are reported lost after {Timeout}); retrying in the background",
                connection.Endpoints, options.OperationTimeout);
        }

        return connection;
    }

    private void OnConnectionFailed(object? sender, ConnectionFailedEventArgs e)
    {
        Interlocked.Increment(ref _connectionFailures);
        _logger.LogError(
            "Redis: {ConnectionType} connection to {Endpoint} failed ({FailureType}): {Message}. Retained messages are degraded until it comes back",
            e.ConnectionType, e.EndPoint, e.FailureType, e.Exception?.Message ?? "no detail");
    }

    private void OnConnectionRestored(object? sender, ConnectionFailedEventArgs e)
    {
        _logger.LogWarning("Redis: {ConnectionType} connection to {Endpoint} restored", e.ConnectionType, e.EndPoint);
        Restored?.Invoke(e.ConnectionType);
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        if (Multiplexer is ConnectionMultiplexer multiplexer)
        {
            multiplexer.ConnectionFailed -= OnConnectionFailed;
            multiplexer.ConnectionRestored -= OnConnectionRestored;
        }

        await Multiplexer.CloseAsync(allowCommandsToComplete: true).ConfigureAwait(false);
        Multiplexer.Dispose();
    }
}
