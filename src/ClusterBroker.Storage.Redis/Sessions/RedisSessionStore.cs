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
/// While a client is connected, its QoS 2 flows (<see cref="IQoS2DeliveryLog"/>) are in <c>session-qos2:{clientId}</c>
/// (a hash: packet identifier -> send order and entry), and the identities of the QoS 2 messages it was given in
/// <c>session-given:{clientId}</c> (a sorted set scored by time, kept <see cref="GivenWindow"/>).
/// <paramref name="givenWindow"/>: how long those identities are kept (<see cref="DefaultGivenWindow"/> when null).
/// </summary>
/// <remarks>
/// Every write that changes more than one key is one MULTI/EXEC transaction, so a crash never leaves a record
/// without its index entry or half a pending list. Writes of one session are issued in order by its single owner
/// on the node's one multiplexer, which sends them in that order; nothing here waits for Redis on the caller's thread.
/// </remarks>
public sealed class RedisSessionStore(RedisConnection connection, ILoggerFactory loggerFactory, TimeSpan? givenWindow = null) : ISessionStore, IQoS2DeliveryLog
{
    /// <summary>The identities' window when none is given: what <see cref="GivenWindowFor"/> gives for a StableAfter of 3 minutes.</summary>
    public static readonly TimeSpan DefaultGivenWindow = TimeSpan.FromMinutes(5);

    /// <summary>How long the identity of a QoS 2 message given to a session is remembered.</summary>
    public TimeSpan GivenWindow { get; } = givenWindow ?? DefaultGivenWindow;

    /// <summary>
    /// The identities' window for a cluster's StableAfter: longer than a replay can bring a message again after its node
    /// crashed (a survivor keeps its forwards, and a journal its messages, for StableAfter + 45 s), plus a minute for the
    /// failure detection and the session's reload.
    /// </summary>
    public static TimeSpan GivenWindowFor(TimeSpan stableAfter) => stableAfter + TimeSpan.FromSeconds(105);

    // The given set is trimmed by age every so many writes (and expires with its last write).
    private const int TrimEvery = 64;

    private long _qos2Writes;
    private long _qos2Failed;

    private readonly ILogger _logger = loggerFactory.CreateLogger<RedisSessionStore>();
    private readonly string _prefix = connection.Options.KeyPrefix;
    private long _undecodable;

    /// <summary>Stored sessions (or pending messages) skipped because they could not be decoded.</summary>
    public long Undecodable => Interlocked.Read(ref _undecodable);

    /// <summary>QoS 2 steps that could not be recorded: exactly once across a node loss is not kept for those messages.</summary>
    public long QoS2RecordsFailed => Interlocked.Read(ref _qos2Failed);

    private IDatabase Database => connection.Multiplexer.GetDatabase();

    public async Task<StoredSessionContents?> LoadAsync(string clientId)
    {
        RedisKey recordKey = RecordKey(clientId);
        RedisKey pendingKey = PendingKey(clientId);
        IBatch batch = Database.CreateBatch();
        Task<RedisValue> record = batch.StringGetAsync(recordKey);
        Task<RedisValue[]> pending = batch.ListRangeAsync(pendingKey);
        Task<HashEntry[]> qos2 = batch.HashGetAllAsync(QoS2Key(clientId));
        Task<RedisValue[]> givenIds = batch.SortedSetRangeByScoreAsync(GivenKey(clientId), DateTimeOffset.UtcNow.Add(-GivenWindow).ToUnixTimeMilliseconds());
        batch.Execute();
        RedisValue value = await record.ConfigureAwait(false);
        RedisValue[] entries = await pending.ConfigureAwait(false);
        HashEntry[] flows = await qos2.ConfigureAwait(false);
        var given = new HashSet<ulong>();
        foreach (RedisValue id in await givenIds.ConfigureAwait(false))
        {
            if (ulong.TryParse((string?)id, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out ulong parsed))
            {
                given.Add(parsed);
            }
        }

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
        // Online, the connection's QoS 2 flows are the truth: the list's copies of messages it was given are older.
        List<InflightMessage> connectionFlows = session.Online ? DecodeFlows(flows, QoS2Key(clientId)) : [];
        var flowIds = new HashSet<ushort>(connectionFlows.Select(f => f.PacketId));
        foreach (RedisValue entry in entries)
        {
            try
            {
                (QueuedMessage message, InflightMessage? sent) = StoredSessionCodec.DecodeEntry((ReadOnlyMemory<byte>)entry);
                if (session.Online && ((message.QoS == ClusterBroker.Protocol.QualityOfService.ExactlyOnce && given.Contains(message.Message.Id)) || (sent is not null && flowIds.Contains(sent.PacketId))))
                {
                    continue;
                }

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

        inflight.AddRange(connectionFlows);
        return new StoredSessionContents(session, new SessionSnapshot(session.Subscriptions, inflight, queued, session.IncomingQoS2), given);
    }

    /// <summary>The recorded QoS 2 flows of the connection, in the order they were sent.</summary>
    private List<InflightMessage> DecodeFlows(HashEntry[] flows, RedisKey key)
    {
        var decoded = new List<(long Order, InflightMessage Flow)>(flows.Length);
        foreach (HashEntry flow in flows)
        {
            ReadOnlyMemory<byte> value = (ReadOnlyMemory<byte>)flow.Value;
            try
            {
                if (value.Length < 9)
                {
                    throw new InvalidDataException("the value is cut short");
                }

                (_, InflightMessage? sent) = StoredSessionCodec.DecodeEntry(value[8..]);
                decoded.Add((System.Buffers.Binary.BinaryPrimitives.ReadInt64BigEndian(value.Span), sent ?? throw new InvalidDataException("not an inflight entry")));
            }
            catch (InvalidDataException ex)
            {
                Interlocked.Increment(ref _undecodable);
                _logger.LogError("Session store: a QoS 2 flow in hash {Key} cannot be decoded ({Reason}) and is skipped", (string?)key, ex.Message);
            }
        }

        decoded.Sort(static (a, b) => a.Order.CompareTo(b.Order));
        return [.. decoded.Select(d => d.Flow)];
    }

    public Task<bool> SendingAsync(string clientId, ushort packetId, QueuedMessage message)
    {
        IBatch batch = Database.CreateBatch();
        long now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        RedisKey givenKey = GivenKey(clientId);
        Task flow = batch.HashSetAsync(QoS2Key(clientId), (int)packetId, Flow(new InflightMessage(packetId, message, false)));
        Task given = message.Message.Id == 0 ? Task.CompletedTask : batch.SortedSetAddAsync(givenKey, GivenMember(message.Message.Id), now);
        _ = batch.KeyExpireAsync(givenKey, GivenWindow, CommandFlags.FireAndForget);
        if (Interlocked.Increment(ref _qos2Writes) % TrimEvery == 0)
        {
            _ = batch.SortedSetRemoveRangeByScoreAsync(givenKey, double.NegativeInfinity, now - GivenWindow.TotalMilliseconds, flags: CommandFlags.FireAndForget);
        }

        batch.Execute();
        return Recorded(Task.WhenAll(flow, given), clientId, "a QoS 2 PUBLISH");
    }

    /// <remarks>A released flow is never published again (only its PUBREL is sent): its record keeps the message without its payload.</remarks>
    public Task<bool> ReleasingAsync(string clientId, ushort packetId, QueuedMessage message)
    {
        QueuedMessage withoutPayload = message with { Message = message.Message with { Payload = ReadOnlyMemory<byte>.Empty } };
        return Recorded(Database.HashSetAsync(QoS2Key(clientId), (int)packetId, Flow(new InflightMessage(packetId, withoutPayload, true))), clientId, "a QoS 2 PUBREL");
    }

    public void Completed(string clientId, ushort packetId) =>
        _ = Database.HashDeleteAsync(QoS2Key(clientId), (int)packetId, CommandFlags.FireAndForget);

    /// <summary>A flow as the hash keeps it: its send order (this process's clock and count), then the inflight entry.</summary>
    private static byte[] Flow(InflightMessage flow)
    {
        byte[] entry = StoredSessionCodec.EncodeInflight(flow);
        byte[] value = new byte[8 + entry.Length];
        System.Buffers.Binary.BinaryPrimitives.WriteInt64BigEndian(value, FlowOrder.Next());
        entry.CopyTo(value, 8);
        return value;
    }

    private async Task<bool> Recorded(Task write, string clientId, string what)
    {
        try
        {
            await write.ConfigureAwait(false);
            return true;
        }
        catch (Exception ex)
        {
            // Never faults (IQoS2DeliveryLog): Redis refused or timed out, or the connection is closing with the node.
            long failed = Interlocked.Increment(ref _qos2Failed);
            if ((failed & (failed - 1)) == 0)
            {
                _logger.LogError(
                    "Session store: recording {What} for client {ClientId} failed ({Reason}); it is sent anyway, and should its node die before the flow ends, the client may get it twice ({Count} such record(s) failed so far)",
                    what, clientId, ex.Message, failed);
            }

            return false;
        }
    }

    /// <summary>The send order of recorded flows: a sequence that starts at this process's start time, so later ones sort later.</summary>
    private static class FlowOrder
    {
        private static long s_last = DateTime.UtcNow.Ticks;

        public static long Next() => Interlocked.Increment(ref s_last);
    }

    public Task SaveAsync(string clientId, StoredSession session, string? previousHomeNode, SessionSnapshot? pending, bool newConnection = false)
    {
        ITransaction transaction = Database.CreateTransaction();
        _ = transaction.StringSetAsync(RecordKey(clientId), StoredSessionCodec.EncodeRecord(session));
        if (previousHomeNode is not null && previousHomeNode != session.HomeNode)
        {
            _ = transaction.SetRemoveAsync(NodeKey(previousHomeNode), clientId);
        }

        _ = transaction.SetAddAsync(NodeKey(session.HomeNode), clientId);
        if (pending is not null || !session.Online || newConnection)
        {
            // The pending messages hold every flow now (a hand-back), or no connection has any, or a new connection starts
            // recording its own (the pending messages hold the earlier ones until it has): none of an earlier one stays.
            _ = transaction.KeyDeleteAsync(QoS2Key(clientId));
        }

        if (pending is not null)
        {
            // What the pending messages hold is not "given" any more: a connection that resumes them records them again,
            // and until it has, they must not be taken for copies it replaced (LoadAsync). Replays are still told apart:
            // the session knows its pending messages.
            RedisValue[] pendingIds = [.. PendingIds(pending)];
            if (pendingIds.Length > 0)
            {
                _ = transaction.SortedSetRemoveAsync(GivenKey(clientId), pendingIds);
            }

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
        _ = transaction.KeyDeleteAsync([RecordKey(clientId), PendingKey(clientId), QoS2Key(clientId), GivenKey(clientId)]);
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

    private static IEnumerable<RedisValue> PendingIds(SessionSnapshot pending) =>
        pending.Inflight.Select(m => m.Delivery.Message.Id).Concat(pending.Queued.Select(m => m.Message.Id))
            .Where(id => id != 0).Select(id => (RedisValue)GivenMember(id));

    private static string GivenMember(ulong id) => id.ToString(System.Globalization.CultureInfo.InvariantCulture);

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

    private RedisKey QoS2Key(string clientId) => _prefix + "session-qos2:" + clientId;

    private RedisKey GivenKey(string clientId) => _prefix + "session-given:" + clientId;
}
