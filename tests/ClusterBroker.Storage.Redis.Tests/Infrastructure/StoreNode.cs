using ClusterBroker.Core.Messages;
using ClusterBroker.Storage.Redis.Retained;

namespace ClusterBroker.Storage.Redis.Tests.Infrastructure;

/// <summary>
/// One "node" of the retained store: its own Redis connection and <see cref="RedisRetainedMessageStore"/>, as a
/// broker node has. Several on one redis-server and key prefix are several nodes of a cluster.
/// </summary>
public sealed class StoreNode : IAsyncDisposable
{
    private StoreNode(RedisConnection connection, RedisRetainedMessageStore store, LogCapture logs)
    {
        Connection = connection;
        Store = store;
        Logs = logs;
    }

    public RedisConnection Connection { get; }

    public RedisRetainedMessageStore Store { get; }

    public RedisRetainedMetrics Metrics => Store.Metrics;

    public LogCapture Logs { get; }

    /// <summary>Starts a node; the reconcile loop runs hourly unless configured, so tests see notifications and reads at work, not the loop.</summary>
    public static async Task<StoreNode> StartAsync(string configuration, string prefix, Action<RedisOptions>? configure = null)
    {
        var options = new RedisOptions
        {
            Configuration = configuration,
            KeyPrefix = prefix,
            ReconcileInterval = TimeSpan.FromHours(1),
            ConnectTimeout = TimeSpan.FromSeconds(2),
            OperationTimeout = TimeSpan.FromSeconds(5),
        };
        configure?.Invoke(options);
        var logs = new LogCapture();
        RedisConnection connection = await RedisConnection.ConnectAsync(options, logs);
        try
        {
            RedisRetainedMessageStore store = await RedisRetainedMessageStore.StartAsync(connection, logs);
            return new StoreNode(connection, store, logs);
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }

    public Task RetainAsync(string topic, string payload, long expiresAtUnixMs = 0) =>
        Store.Retain(Message(topic, payload, expiresAtUnixMs)).AsTask();

    public async Task<List<BrokerMessage>> MatchAsync(string filter, long? nowUnixMs = null)
    {
        var results = new List<BrokerMessage>();
        await Store.GetMatching(filter, results, nowUnixMs ?? DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());
        return results;
    }

    public async Task<List<string>> PayloadsAsync(string filter, long? nowUnixMs = null) =>
        (await MatchAsync(filter, nowUnixMs)).Select(m => System.Text.Encoding.UTF8.GetString(m.Payload.Span)).Order(StringComparer.Ordinal).ToList();

    public static BrokerMessage Message(string topic, string payload, long expiresAtUnixMs = 0) => new()
    {
        Topic = topic,
        Payload = System.Text.Encoding.UTF8.GetBytes(payload),
        QoS = Protocol.QualityOfService.AtLeastOnce,
        Retain = true,
        ExpiresAtUnixMs = expiresAtUnixMs,
    };

    public async ValueTask DisposeAsync()
    {
        await Store.DisposeAsync();
        await Connection.DisposeAsync();
    }
}
