using ClusterBroker.Core.Messages;
using ClusterBroker.Core.Sessions;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;

namespace ClusterBroker.Storage.Redis.Sessions;

/// <summary>
/// Persistent sessions in Redis (<see cref="ISessionStore"/>), under the key prefix:
/// <c>session:{clientId}</c> holds the record (a string, <see cref="StoredSessionCodec"/>),
/// <c>session-pending:{clientId}</c> the pending messages (a list: unacknowledged first, then queued), and
/// <c>node-sessions:{node}</c> the ClientIds whose home is that node (a set, read when the node dies).
/// </summary>
/// <remarks>
/// Every write that changes more than one key is one MULTI/EXEC transaction, so a crash never leaves a record
/// without its index entry or half a pending list. Writes of one session are issued in order by its single owner
/// on the node's one multiplexer, which sends them in that order; nothing here waits for Redis on the caller's thread.
/// </remarks>
public sealed class RedisSessionStore(RedisConnection connection, ILoggerFactory loggerFactory) : ISessionStore
{
    private readonly ILogger _logger = loggerFactory.CreateLogger<RedisSessionStore>();
    private readonly string _prefix = connection.Options.KeyPrefix;
    private long _undecodable;

    /// <summary>Stored sessions (or pending messages) skipped because they could not be decoded.</summary>
    public long Undecodable => Interlocked.Read(ref _undecodable);

    private IDatabase Database => connection.Multiplexer.GetDatabase();

    public async Task<StoredSessionContents?> LoadAsync(string clientId)
    {
        RedisKey recordKey = RecordKey(clientId);
        RedisKey pendingKey = PendingKey(clientId);
        IBatch batch = Database.CreateBatch();
        Task<RedisValue> record = batch.StringGetAsync(recordKey);
        Task<RedisValue[]> pending = batch.ListRangeAsync(pendingKey);
        batch.Execute();
        RedisValue value = await record.ConfigureAwait(false);
        RedisValue[] entries = await pending.ConfigureAwait(false);
        if (value.IsNull)
        {
            return null;
        }

        StoredSession session;
        try
        {
            session = StoredSessionCodec.DecodeRecord((ReadOnlyMemory<byte>)value);
        }
        catch (InvalidDataException ex)
        {
            Interlocked.Increment(ref _undecodable);
            _logger.LogError("Session store: the session at key {Key} cannot be decoded ({Reason}); client {ClientId} starts a new session", (string?)recordKey, ex.Message, clientId);
            return null;
        }

        var inflight = new List<InflightMessage>();
        var queued = new List<QueuedMessage>(entries.Length);
        foreach (RedisValue entry in entries)
        {
            try
            {
                (QueuedMessage message, InflightMessage? sent) = StoredSessionCodec.DecodeEntry((ReadOnlyMemory<byte>)entry);
                if (sent is not null)
                {
                    inflight.Add(sent);
                }
                else
                {
                    queued.Add(message);
                }
            }
            catch (InvalidDataException ex)
            {
                Interlocked.Increment(ref _undecodable);
                _logger.LogError("Session store: a pending message in list {Key} cannot be decoded ({Reason}) and is skipped", (string?)pendingKey, ex.Message);
            }
        }

        return new StoredSessionContents(session, new SessionSnapshot(session.Subscriptions, inflight, queued, session.IncomingQoS2));
    }

    public Task SaveAsync(string clientId, StoredSession session, string? previousHomeNode, SessionSnapshot? pending)
    {
        ITransaction transaction = Database.CreateTransaction();
        _ = transaction.StringSetAsync(RecordKey(clientId), StoredSessionCodec.EncodeRecord(session));
        if (previousHomeNode is not null && previousHomeNode != session.HomeNode)
        {
            _ = transaction.SetRemoveAsync(NodeKey(previousHomeNode), clientId);
        }

        _ = transaction.SetAddAsync(NodeKey(session.HomeNode), clientId);
        if (pending is not null)
        {
            RedisKey pendingKey = PendingKey(clientId);
            _ = transaction.KeyDeleteAsync(pendingKey);
            RedisValue[] entries = Encode(pending);
            if (entries.Length > 0)
            {
                _ = transaction.ListRightPushAsync(pendingKey, entries);
            }
        }

        return transaction.ExecuteAsync();
    }

    public Task AppendAsync(string clientId, QueuedMessage message, int dropOldestBeyond)
    {
        RedisKey pendingKey = PendingKey(clientId);
        if (dropOldestBeyond <= 0)
        {
            return Database.ListRightPushAsync(pendingKey, StoredSessionCodec.EncodeQueued(message));
        }

        ITransaction transaction = Database.CreateTransaction();
        _ = transaction.ListRightPushAsync(pendingKey, StoredSessionCodec.EncodeQueued(message));
        _ = transaction.ListTrimAsync(pendingKey, -dropOldestBeyond, -1);
        return transaction.ExecuteAsync();
    }

    public Task DeleteAsync(string clientId, string? homeNode)
    {
        ITransaction transaction = Database.CreateTransaction();
        _ = transaction.KeyDeleteAsync([RecordKey(clientId), PendingKey(clientId)]);
        if (homeNode is not null)
        {
            _ = transaction.SetRemoveAsync(NodeKey(homeNode), clientId);
        }

        return transaction.ExecuteAsync();
    }

    public async Task<IReadOnlyList<string>> SessionsOfNodeAsync(string node)
    {
        var clientIds = new List<string>();
        await foreach (RedisValue member in Database.SetScanAsync(NodeKey(node), pageSize: 1000).ConfigureAwait(false))
        {
            clientIds.Add(member!);
        }

        return clientIds;
    }

    private static RedisValue[] Encode(SessionSnapshot pending)
    {
        var entries = new RedisValue[pending.Inflight.Count + pending.Queued.Count];
        int i = 0;
        foreach (InflightMessage sent in pending.Inflight)
        {
            entries[i++] = StoredSessionCodec.EncodeInflight(sent);
        }

        foreach (QueuedMessage queued in pending.Queued)
        {
            entries[i++] = StoredSessionCodec.EncodeQueued(queued);
        }

        return entries;
    }

    private RedisKey RecordKey(string clientId) => _prefix + "session:" + clientId;

    private RedisKey PendingKey(string clientId) => _prefix + "session-pending:" + clientId;

    private RedisKey NodeKey(string node) => _prefix + "node-sessions:" + node;
}
