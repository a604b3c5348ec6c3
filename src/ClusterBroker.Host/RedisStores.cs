using ClusterBroker.Cluster;
using ClusterBroker.Core;
using ClusterBroker.Storage.Redis;
using ClusterBroker.Storage.Redis.Journal;
using ClusterBroker.Storage.Redis.Retained;
using ClusterBroker.Storage.Redis.Security;
using ClusterBroker.Storage.Redis.Sessions;
using ClusterBroker.Storage.Redis.Shared;
using Microsoft.Extensions.Logging;

namespace ClusterBroker.Host;

/// <summary>
/// The node's Redis connection and the stores on it, started before the node (so its index is built when the
/// first client subscribes) and disposed after it (so the last retained writes and Wills reach Redis).
/// </summary>
internal sealed class RedisStores : IAsyncDisposable
{
    private readonly ILoggerFactory _loggerFactory;
    private RedisSharedMembership? _membership;
    private RedisPublishJournal? _journal;

    private RedisStores(RedisConnection connection, RedisRetainedMessageStore retained, RedisSessionStore? sessions, RedisLatencyProbe? probe, ILoggerFactory loggerFactory)
    {
        Connection = connection;
        Retained = retained;
        Sessions = sessions;
        Probe = probe;
        _loggerFactory = loggerFactory;
        NodeStores = new BrokerNodeStores
        {
            Retained = retained,
            Sessions = sessions,
            SysCounters = SysCounters,
            SharedMembership = StartMembership,
            PublishJournal = sessions is null ? null : StartJournal,
            QoS2Deliveries = sessions,
        };
    }

    /// <summary>The publish journal of durable sessions, once the node started it.</summary>
    public RedisPublishJournal? Journal => _journal;

    private RedisPublishJournal StartJournal(string node, TimeSpan replayWindow) =>
        _journal = new RedisPublishJournal(Connection, node, replayWindow, _loggerFactory);

    /// <summary>The shared-group membership, once the node started it.</summary>
    public RedisSharedMembership? SharedMembership => _membership;

    private RedisSharedMembership StartMembership(string node) =>
        _membership = RedisSharedMembership.Start(Connection, node, _loggerFactory);

    private IEnumerable<KeyValuePair<string, long>> SysCounters()
    {
        foreach (KeyValuePair<string, long> counter in Retained.SysCounters())
        {
            yield return counter;
        }

        if (_journal is { } journal)
        {
            yield return new("$SYS/broker/journal/appended", journal.Appended);
            yield return new("$SYS/broker/journal/failed", journal.Failed);
        }

        if (Sessions is { } sessions)
        {
            yield return new("$SYS/broker/sessions/qos2-records-failed", sessions.QoS2RecordsFailed);
        }

        if (_membership is { } membership)
        {
            yield return new("$SYS/broker/shared/redis/members", membership.Cache.MemberCount);
            yield return new("$SYS/broker/shared/redis/writes-failed", membership.WritesFailed);
        }
    }

    public RedisConnection Connection { get; }

    public RedisRetainedMessageStore Retained { get; }

    /// <summary>Persistent sessions, when they are durable (Sessions:Durability).</summary>
    public RedisSessionStore? Sessions { get; }

    public BrokerNodeStores NodeStores { get; }

    /// <summary>The round-trip probe, when the node exports metrics (null with HTTP off).</summary>
    public RedisLatencyProbe? Probe { get; }

    /// <summary>The cluster's users and ACL, when the node reads them from Redis (Security:RedisUsers / RedisAcl).</summary>
    public RedisSecuritySource? Security { get; private set; }

    /// <param name="stableAfter">The cluster's StableAfter: how long the identities of QoS 2 messages given to persistent sessions are kept follows from it.</param>
    public static async Task<RedisStores> StartAsync(RedisOptions options, bool durableSessions, bool securityInRedis, ILoggerFactory loggerFactory, IHistogram? roundTrips, TimeSpan stableAfter)
    {
        RedisConnection connection = await RedisConnection.ConnectAsync(options, loggerFactory).ConfigureAwait(false);
        try
        {
            RedisRetainedMessageStore retained = await RedisRetainedMessageStore.StartAsync(connection, loggerFactory).ConfigureAwait(false);
            loggerFactory.CreateLogger("ClusterBroker.Host").LogInformation(
                "Retained messages: in Redis at {Endpoints} (key prefix '{KeyPrefix}'), shared by every node using it", connection.Endpoints, options.KeyPrefix);
            RedisSessionStore? sessions = durableSessions ? new RedisSessionStore(connection, loggerFactory, RedisSessionStore.GivenWindowFor(stableAfter)) : null;
            loggerFactory.CreateLogger("ClusterBroker.Host").LogInformation(
                durableSessions
                    ? "Persistent sessions: written to Redis, so they continue on another node when their node dies"
                    : "Persistent sessions: in memory only (Sessions:Durability Memory); a node crash loses the sessions it held");
            var stores = new RedisStores(connection, retained, sessions, roundTrips is null ? null : RedisLatencyProbe.Start(connection, roundTrips), loggerFactory);
            if (securityInRedis)
                stores.Security = await RedisSecuritySource.StartAsync(connection, loggerFactory).ConfigureAwait(false);
            return stores;
        }
        catch
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (Probe is not null)
            await Probe.DisposeAsync().ConfigureAwait(false);
        if (Security is not null)
            await Security.DisposeAsync().ConfigureAwait(false);
        if (_membership is not null)
        {
            await _membership.DisposeAsync().ConfigureAwait(false);
        }

        await Retained.DisposeAsync().ConfigureAwait(false);
        await Connection.DisposeAsync().ConfigureAwait(false);
    }
}
