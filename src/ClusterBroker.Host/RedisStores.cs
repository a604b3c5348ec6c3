using ClusterBroker.Cluster;
using ClusterBroker.Storage.Redis;
using ClusterBroker.Storage.Redis.Retained;
using Microsoft.Extensions.Logging;

namespace ClusterBroker.Host;

/// <summary>
/// The node's Redis connection and the stores on it, started before the node (so its index is built when the
/// first client subscribes) and disposed after it (so the last retained writes and Wills reach Redis).
/// </summary>
internal sealed class RedisStores : IAsyncDisposable
{
    private RedisStores(RedisConnection connection, RedisRetainedMessageStore retained)
    {
        Connection = connection;
        Retained = retained;
        NodeStores = new BrokerNodeStores { Retained = retained, SysCounters = retained.SysCounters };
    }

    public RedisConnection Connection { get; }

    public RedisRetainedMessageStore Retained { get; }

    public BrokerNodeStores NodeStores { get; }

    public static async Task<RedisStores> StartAsync(RedisOptions options, ILoggerFactory loggerFactory)
    {
        RedisConnection connection = await RedisConnection.ConnectAsync(options, loggerFactory).ConfigureAwait(false);
        try
        {
            RedisRetainedMessageStore retained = await RedisRetainedMessageStore.StartAsync(connection, loggerFactory).ConfigureAwait(false);
            loggerFactory.CreateLogger("ClusterBroker.Host").LogInformation(
                "Retained messages: in Redis at {Endpoints} (key prefix '{KeyPrefix}'), shared by every node using it", connection.Endpoints, options.KeyPrefix);
            return new RedisStores(connection, retained);
        }
        catch
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await Retained.DisposeAsync().ConfigureAwait(false);
        await Connection.DisposeAsync().ConfigureAwait(false);
    }
}
