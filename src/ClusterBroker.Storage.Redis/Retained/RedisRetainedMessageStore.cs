using System.Collections.Concurrent;
using ClusterBroker.Core.Messages;
using ClusterBroker.Core.Retained;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;

namespace ClusterBroker.Storage.Redis.Retained;

/// <summary>
/// Retained messages in Redis, shared by every node of a cluster (design section 2: Redis is the source of
/// truth; each node keeps an index).
/// </summary>
/// <remarks>
/// <para><b>In Redis</b> (keys under <see cref="RedisOptions.KeyPrefix"/>, one hash slot): a hash topic -> message
/// (<see cref="RetainedMessageCodec"/>: payload, QoS, 5.0 properties, absolute expiry), a version counter, a change
/// log (sorted set topic -> version of its last change, the last <see cref="RetainedScripts.ChangeLogWindow"/>
/// changes) and an epoch that changes when Redis lost its data. Each change is one script
/// (<see cref="RetainedScripts"/>) that also publishes "version:body" on the change channel: 'S' + the encoded
/// message when it is at most <see cref="RedisOptions.RetainedCachedMessageBytes"/>, 'M' + format/expiry + topic
/// when larger, 'D' + topic for a delete.</para>
/// <para><b>On each node</b> an index (<see cref="RetainedIndex"/>) holds every retained topic with its expiry, and the
/// message itself only while it is small and the cached total stays under <see cref="RedisOptions.RetainedCacheBytes"/>
/// (so 10^6 retained messages do not put 10^6 payloads in every node's heap; the others are read from Redis when a
/// subscription matches them). It is built at start by scanning the hash (HSCAN, never KEYS), kept current by the
/// notifications, which carry consecutive versions: a skipped version (pub/sub drops messages while disconnected)
/// or a reconnection triggers a catch-up that reads the change log after the last version applied, and
/// <see cref="RedisOptions.ReconcileInterval"/> runs one anyway (one script call when nothing changed). A node too
/// far behind (below the trimmed part of the change log), or a Redis with a new epoch, rebuilds by scanning.
/// While a catch-up or rebuild runs, notifications wait in a buffer and are replayed after it.</para>
/// <para><b>Read-after-write across nodes.</b> A retained QoS 1/2 PUBLISH is acknowledged only when its write script
/// returned (<c>MqttChannel.SendAcknowledgement</c>), so the change is in Redis before the publisher gets its PUBACK.
/// A subscription then reads what Redis has, not what the notifications brought so far: an exact topic filter asks
/// Redis directly (HGET); a wildcard filter first reads the version counter and, when this node's index has not
/// applied that version yet, catches up before matching the index. Either way the answer includes every change
/// acknowledged before the SUBSCRIBE arrived, whichever node took it. When Redis cannot be asked, the index answers
/// alone (counted in <see cref="RedisRetainedMetrics.ReadsFailed"/>).</para>
/// <para><b>Faults.</b> Nothing here blocks a caller's thread: every Redis call is asynchronous, and the tasks
/// returned never fault. A write Redis does not confirm within <see cref="RedisOptions.OperationTimeout"/> (it may
/// have queued in StackExchange.Redis while disconnected, and is applied if Redis returns in time) is counted in
/// <see cref="RedisRetainedMetrics.WritesLost"/> and logged. A value or notification that does not decode is skipped
/// with a log line naming the key. A Redis unreachable at start leaves the index empty (logged as an error); the
/// reconcile loop builds it when Redis answers.</para>
/// <para><b>$SYS.</b> Each node's own $SYS/ topics are node-local (they describe that node): they stay in an
/// in-memory store here and never reach Redis. <see cref="Count"/> is the cluster-wide count of the index plus this
/// node's $SYS topics, as a single node counts them.</para>
/// <para><b>Expiry</b> is honoured on every read (expired messages are never delivered) and each node deletes from
/// Redis the expired entries of its index at most once per <see cref="RedisOptions.ReconcileInterval"/>, with a
/// script that deletes a value only while it still carries that expiry.</para>
/// </remarks>
public sealed partial class RedisRetainedMessageStore : IRetainedMessageStore, IAsyncDisposable
{
    private const string SysPrefix = "$SYS/";
    private const int CatchUpBatch = 1000;
    private const int ReadBatch = 256;
    private const int SweepBatch = 256;
    private const int ScanPageSize = 1000;
    private const int BufferedNotificationLimit = 100_000;
    private const int LoggedKeysLimit = 10_000;
    private static readonly TimeSpan s_lossLogInterval = TimeSpan.FromSeconds(10);

    /// <summary>The notification body that tells the write script to publish 'S' + the message it stores.</summary>
    private static readonly RedisValue s_wholeMessage = "S";

    private readonly RedisConnection _connection;
    private readonly RedisOptions _options;
    private readonly IDatabase _db;
    private readonly RedisKey[] _keys;
    private readonly RedisChannel _channel;
    private readonly RedisValue _channelValue;
    private readonly InMemoryRetainedMessageStore _local = new();
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly CancellationTokenSource _stopping = new();
    private readonly SemaphoreSlim _syncGate = new(1, 1);
    private readonly ReaderWriterLockSlim _indexLock = new(LockRecursionPolicy.NoRecursion);
    private readonly object _syncLock = new();
    private readonly ConcurrentDictionary<string, byte> _loggedKeys = new(StringComparer.Ordinal);

    private RetainedIndex _index;
    private string? _epoch;
    private long _applied;
    private bool _syncing;
    private List<(long Version, byte[] Body)>? _buffered;
    private bool _bufferOverflowed;
    private int _syncRequested;
    private ChannelMessageQueue? _notifications;
    private Task? _reconcileLoop;
    private int _pendingWrites;
    private bool _degraded;
    private long _lossesSinceLog;
    private long _lastLossLog = long.MinValue;
    private int _disposed;

    private RedisRetainedMessageStore(RedisConnection connection, ILoggerFactory loggerFactory, TimeProvider time)
    {
        _connection = connection;
        _options = connection.Options;
        _db = connection.Multiplexer.GetDatabase();
        string prefix = _options.KeyPrefix;
        _keys =
        [
            prefix + "{retained}:messages",
            prefix + "{retained}:version",
            prefix + "{retained}:changes",
            prefix + "{retained}:epoch",
            prefix + "{retained}:floor",
        ];
        _channel = RedisChannel.Literal(prefix + "retained:changes");
        _channelValue = prefix + "retained:changes";
        _logger = loggerFactory.CreateLogger<RedisRetainedMessageStore>();
        _time = time;
        _index = NewIndex();
    }

    /// <summary>Counters of this node's store.</summary>
    public RedisRetainedMetrics Metrics { get; } = new();

    /// <summary>Retained messages cluster-wide (this node's index) plus this node's own $SYS topics.</summary>
    public long Count => Volatile.Read(ref _index).Count + _local.Count;

    /// <summary>The Redis hash holding the messages (for log lines and tests).</summary>
    public string MessagesKey => _keys[0]!;

    /// <summary>True once the index was built from Redis (false while Redis has been unreachable since the start).</summary>
    public bool IsIndexBuilt
    {
        get
        {
            lock (_syncLock)
            {
                return _epoch is not null;
            }
        }
    }

    /// <summary>Topics in this node's index (expired ones not yet deleted included): the cluster-wide count without this node's $SYS topics.</summary>
    public int IndexedCount => Volatile.Read(ref _index).Count;

    /// <summary>Bytes of messages this node's index caches (at most <see cref="RedisOptions.RetainedCacheBytes"/>).</summary>
    internal long CachedBytes => Volatile.Read(ref _index).CachedBytes;

    /// <summary>The last version of the change log this node's index applied without a gap.</summary>
    internal long AppliedVersion
    {
        get
        {
            lock (_syncLock)
            {
                return _applied;
            }
        }
    }

    /// <summary>
    /// Subscribes to the change channel and builds the index from Redis, then starts the reconcile loop. Never
    /// fails because Redis is unreachable: it logs that (naming the endpoints) and the loop retries.
    /// </summary>
    public static async Task<RedisRetainedMessageStore> StartAsync(RedisConnection connection, ILoggerFactory loggerFactory, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(connection);
        ArgumentNullException.ThrowIfNull(loggerFactory);
        var store = new RedisRetainedMessageStore(connection, loggerFactory, time ?? TimeProvider.System);
        connection.Restored += store.OnRestored;
        if (connection.IsConnected)
        {
            await store.TrySubscribeAsync().ConfigureAwait(false);
            await store.SyncAsync(rebuild: false).ConfigureAwait(false);
        }
        else
        {
            store.ReportDegraded(null);
        }

        store._reconcileLoop = Task.Run(store.ReconcileLoopAsync);
        return store;
    }

    /// <summary>This store's counters as $SYS topics (the composition root adds them to the node's $SYS publications).</summary>
    public IEnumerable<KeyValuePair<string, long>> SysCounters()
    {
        const string prefix = "$SYS/broker/retained messages/redis/";
        RedisRetainedMetrics m = Metrics;
        return
        [
            new(prefix + "stored", m.WritesStored),
            new(prefix + "lost", m.WritesLost),
            new(prefix + "read failures", m.ReadsFailed),
            new(prefix + "undecodable", m.Undecodable),
            new(prefix + "notification gaps", m.NotificationGaps),
            new(prefix + "catch-ups", m.CatchUps),
            new(prefix + "rebuilds", m.Rebuilds),
            new(prefix + "expired deleted", m.ExpiredDeleted),
            new(prefix + "connection failures", _connection.ConnectionFailures),
        ];
    }

    // ------------------------------------------------------------------ helpers

    private RetainedIndex NewIndex() => new(_options.RetainedCachedMessageBytes, _options.RetainedCacheBytes);

    private BrokerMessage? Decode(string topic, byte[] value)
    {
        if (RetainedMessageCodec.TryDecode(value, out BrokerMessage? message, out string? error))
        {
            if (message!.Topic == topic)
            {
                return message;
            }

            error = $"it holds topic '{Truncate(message.Topic)}'";
        }

        ReportUndecodable(topic, error!);
        return null;
    }

    private void ReportUndecodable(string topic, string reason)
    {
        Metrics.UndecodableFound();
        if (_loggedKeys.Count >= LoggedKeysLimit)
        {
            _loggedKeys.Clear();
        }

        if (_loggedKeys.TryAdd(topic, 0))
        {
            _logger.LogWarning(
                "Retained message in Redis key '{Key}' field '{Topic}' cannot be decoded ({Reason}); skipped (written by another version, or corrupted)",
                MessagesKey, Truncate(topic), reason);
        }
    }

    private void ReportDegraded(Exception? error)
    {
        bool first;
        lock (_syncLock)
        {
            first = !_degraded;
            _degraded = true;
        }

        if (first)
        {
            _logger.LogError(
                "Retained messages degraded: Redis at {Endpoints} cannot be read ({Error}). This node serves MQTT with the retained index it has ({Count} message(s)); retained messages published meanwhile are reported lost if Redis does not confirm them within {Timeout}; retrying every {Interval}",
                _connection.Endpoints, error?.Message ?? "not connected", IndexedCount, _options.OperationTimeout, _options.ReconcileInterval);
        }
    }

    private void RecoverFromDegraded()
    {
        bool was;
        lock (_syncLock)
        {
            was = _degraded;
            _degraded = false;
        }

        if (was)
        {
            _logger.LogWarning("Retained messages: Redis at {Endpoints} answers again; the index is current ({Count} message(s))", _connection.Endpoints, IndexedCount);
        }
    }

    private static byte[] Concat(byte kind, byte[] first, byte[]? second = null)
    {
        byte[] result = new byte[1 + first.Length + (second?.Length ?? 0)];
        result[0] = kind;
        first.CopyTo(result, 1);
        second?.CopyTo(result, 1 + first.Length);
        return result;
    }

    private static string Truncate(string value) => value.Length <= 100 ? value : string.Concat(value.AsSpan(0, 100), "...");

    /// <summary>
    /// Stops the reconcile loop and the notifications, and waits (at most the operation timeout) for the retained
    /// writes still on their way. The connection belongs to the caller.
    /// </summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        _connection.Restored -= OnRestored;
        await _stopping.CancelAsync().ConfigureAwait(false);
        if (_reconcileLoop is not null)
        {
            await _reconcileLoop.ConfigureAwait(false);
        }

        long deadline = _time.GetTimestamp();
        while (Volatile.Read(ref _pendingWrites) > 0 && _time.GetElapsedTime(deadline) < _options.OperationTimeout)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(10), _time).ConfigureAwait(false);
        }

        if (_notifications is { } queue)
        {
            try
            {
                await queue.UnsubscribeAsync().ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is RedisException or TimeoutException or ObjectDisposedException)
            {
                _logger.LogDebug("Retained messages: unsubscribing from the change channel failed: {Error}", ex.Message);
            }
        }
    }
}
