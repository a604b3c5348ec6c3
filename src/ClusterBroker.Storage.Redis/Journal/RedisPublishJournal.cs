using ClusterBroker.Core.Messages;
using ClusterBroker.Core.Sessions;
using ClusterBroker.Storage.Redis.Sessions;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;

namespace ClusterBroker.Storage.Redis.Journal;

/// <summary>
/// The publish journal of one node (<see cref="IPublishJournal"/>) in Redis: a stream per node incarnation,
/// <c>journal:{address#uid}</c> under the key prefix, one entry per QoS 1/2 message (field <c>m</c>, the session
/// store's message encoding). Each XADD trims entries older than the replay window plus <see cref="RetentionMargin"/>
/// (MINID, approximate, so Redis trims whole blocks cheaply), and the key expires that long after the last write, so a
/// node that stopped leaves nothing behind for long.
/// </summary>
/// <remarks>
/// Appends are not awaited one by one: the multiplexer pipelines them on its connection, so a burst of PUBLISHes costs
/// one round trip per socket write, not one per message. Trimming uses this node's clock against the entry ids Redis
/// gives from its own; the retention's margin absorbs a skew of seconds (NTP-synchronised hosts). Reading a dead
/// node's window uses Redis's clock alone (TIME), so the replay does not depend on the reader's clock.
/// </remarks>
public sealed class RedisPublishJournal : IPublishJournal
{
    /// <summary>Kept beyond the replay window: for clock skew between the nodes and Redis, and the approximate trim.</summary>
    public static readonly TimeSpan RetentionMargin = TimeSpan.FromSeconds(30);

    private const string Field = "m";
    private static readonly TimeSpan FailureLogInterval = TimeSpan.FromSeconds(10);

    private readonly RedisConnection _connection;
    private readonly RedisKey _key;
    private readonly string _prefix;
    private readonly long _retentionMs;
    private readonly long _replayWindowMs;
    private readonly ILogger _logger;
    private long _appended;
    private long _failed;
    private long _expireSetAtMs;
    private long _failuresLoggedAtMs;
    private long _failuresAtLastLog;

    /// <param name="connection">The node's Redis connection.</param>
    /// <param name="node">This node's incarnation ("address#uid").</param>
    /// <param name="replayWindow">How far back a dead node's journal is replayed (longer than failure detection plus StableAfter).</param>
    /// <param name="loggerFactory">Logging.</param>
    public RedisPublishJournal(RedisConnection connection, string node, TimeSpan replayWindow, ILoggerFactory loggerFactory)
    {
        TimeSpan retention = replayWindow + RetentionMargin;
        _connection = connection;
        _prefix = connection.Options.KeyPrefix;
        _key = KeyOf(node);
        _replayWindowMs = (long)replayWindow.TotalMilliseconds;
        _retentionMs = (long)retention.TotalMilliseconds;
        _logger = loggerFactory.CreateLogger<RedisPublishJournal>();
    }

    /// <summary>Messages written.</summary>
    public long Appended => Interlocked.Read(ref _appended);

    /// <summary>Writes Redis did not confirm (their PUBLISHes were not acknowledged as a success).</summary>
    public long Failed => Interlocked.Read(ref _failed);

    private IDatabase Database => _connection.Multiplexer.GetDatabase();

    public ValueTask<bool> AppendAsync(BrokerMessage message)
    {
        long nowMs = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        byte[] entry = StoredSessionCodec.EncodeQueued(new QueuedMessage(message, message.QoS, message.Retain, null));
        Task<RedisResult> add = Database.ExecuteAsync("XADD", _key, "MINID", "~", nowMs - _retentionMs, "*", Field, entry);
        RefreshExpiry(nowMs);
        return new ValueTask<bool>(add.ContinueWith(
            static (task, state) => ((RedisPublishJournal)state!).Completed(task),
            this,
            CancellationToken.None,
            TaskContinuationOptions.ExecuteSynchronously,
            TaskScheduler.Default));
    }

    public async Task<IReadOnlyList<BrokerMessage>> ReadAsync(string node)
    {
        RedisKey key = KeyOf(node);
        RedisResult time = await Database.ExecuteAsync("TIME").ConfigureAwait(false);
        var parts = (RedisResult[])time!;
        long redisNowMs = ((long)parts[0] * 1000) + ((long)parts[1] / 1000);
        RedisValue from = $"{redisNowMs - _replayWindowMs}-0";
        var messages = new List<BrokerMessage>();
        const int page = 1000;
        while (true)
        {
            StreamEntry[] entries = await Database.StreamRangeAsync(key, minId: from, maxId: "+", count: page).ConfigureAwait(false);
            foreach (StreamEntry entry in entries)
            {
                try
                {
                    messages.Add(StoredSessionCodec.DecodeEntry((ReadOnlyMemory<byte>)entry[Field]).Message.Message);
                }
                catch (InvalidDataException ex)
                {
                    _logger.LogError("Publish journal: entry {Id} of {Key} cannot be decoded ({Reason}) and is not replayed", (string?)entry.Id, (string?)key, ex.Message);
                }
            }

            if (entries.Length < page)
            {
                return messages;
            }

            from = "(" + entries[^1].Id; // exclusive: after the last one read
        }
    }

    public Task DeleteAsync(string node) => Database.KeyDeleteAsync(KeyOf(node));

    private RedisKey KeyOf(string node) => _prefix + "journal:" + node;

    private bool Completed(Task<RedisResult> add)
    {
        if (add.IsCompletedSuccessfully)
        {
            Interlocked.Increment(ref _appended);
            return true;
        }

        long failed = Interlocked.Increment(ref _failed);
        long nowMs = Environment.TickCount64;
        long loggedAt = Interlocked.Read(ref _failuresLoggedAtMs);
        if ((failed == 1 || nowMs - loggedAt >= FailureLogInterval.TotalMilliseconds) && Interlocked.CompareExchange(ref _failuresLoggedAtMs, nowMs, loggedAt) == loggedAt)
        {
            long since = failed - Interlocked.Exchange(ref _failuresAtLastLog, failed);
            _logger.LogError(
                "Publish journal: {Count} write(s) to {Key} failed ({Reason}); their PUBLISHes were not acknowledged as a success (5.0: 0x80; 3.1.1: connection closed), {Total} in all",
                since, (string?)_key, add.Exception?.GetBaseException().Message ?? "cancelled", failed);
        }

        return false;
    }

    /// <summary>At most once a second: the key expires one retention after the last write, so a dead node's journal goes away.</summary>
    private void RefreshExpiry(long nowMs)
    {
        long setAt = Interlocked.Read(ref _expireSetAtMs);
        if (nowMs - setAt >= 1000 && Interlocked.CompareExchange(ref _expireSetAtMs, nowMs, setAt) == setAt)
        {
            _ = Database.KeyExpireAsync(_key, TimeSpan.FromMilliseconds(_retentionMs), flags: CommandFlags.FireAndForget);
        }
    }
}
