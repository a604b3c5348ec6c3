using System.Buffers.Text;
using System.Collections.Concurrent;
using System.Text;
using ClusterBroker.Core.Messages;
using ClusterBroker.Core.Retained;
using ClusterBroker.Topics;
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
public sealed class RedisRetainedMessageStore : IRetainedMessageStore, IAsyncDisposable
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

    // ------------------------------------------------------------------ writes

    public ValueTask Retain(BrokerMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        if (message.Topic.StartsWith(SysPrefix, StringComparison.Ordinal))
        {
            return _local.Retain(message);
        }

        return new ValueTask(WriteAsync(message));
    }

    private async Task WriteAsync(BrokerMessage message)
    {
        Interlocked.Increment(ref _pendingWrites);
        try
        {
            RedisValue value = RedisValue.EmptyString;
            RedisValue body;
            if (message.Payload.IsEmpty)
            {
                body = Concat((byte)'D', Encoding.UTF8.GetBytes(message.Topic));
            }
            else
            {
                byte[] encoded = RetainedMessageCodec.Encode(message);
                value = encoded;
                body = encoded.Length <= _options.RetainedCachedMessageBytes
                    ? s_wholeMessage
                    : Concat((byte)'M', RetainedMessageCodec.Header(message.ExpiresAtUnixMs), Encoding.UTF8.GetBytes(message.Topic));
            }

            await _db.ScriptEvaluateAsync(
                RetainedScripts.Write,
                _keys,
                [message.Topic, value, _channelValue, body, RetainedScripts.ChangeLogWindow]).ConfigureAwait(false);
            Metrics.WriteStored();
        }
        catch (Exception ex)
        {
            // Never faults (IRetainedMessageStore): a write Redis did not confirm is counted and logged as lost.
            ReportLoss(message.Topic, ex);
        }
        finally
        {
            Interlocked.Decrement(ref _pendingWrites);
        }
    }

    private void ReportLoss(string topic, Exception error)
    {
        long lost = Metrics.WriteLost();
        Interlocked.Increment(ref _lossesSinceLog);
        long now = _time.GetTimestamp();
        long last = Interlocked.Read(ref _lastLossLog);
        if (last != long.MinValue && _time.GetElapsedTime(last, now) < s_lossLogInterval)
        {
            return;
        }

        if (Interlocked.CompareExchange(ref _lastLossLog, now, last) != last)
        {
            return;
        }

        long since = Interlocked.Exchange(ref _lossesSinceLog, 0);
        _logger.LogError(
            "Retained message on '{Topic}' not stored: Redis at {Endpoints} did not confirm the write ({Error}). {Count} retained write(s) lost since the last report, {Total} in all; subscribers elsewhere will not get them",
            Truncate(topic), _connection.Endpoints, error.Message, since, lost);
    }

    // ------------------------------------------------------------------ reads

    public ValueTask GetMatching(string topicFilter, List<BrokerMessage> results, long nowUnixMs)
    {
        ArgumentNullException.ThrowIfNull(topicFilter);
        ArgumentNullException.ThrowIfNull(results);
        ValueTask local = _local.GetMatching(topicFilter, results, nowUnixMs);
        System.Diagnostics.Debug.Assert(local.IsCompletedSuccessfully, "the in-memory store completes synchronously");
        if (topicFilter.StartsWith(SysPrefix, StringComparison.Ordinal))
        {
            return default;
        }

        return new ValueTask(GetFromRedisAsync(topicFilter, results, nowUnixMs));
    }

    private async Task GetFromRedisAsync(string filter, List<BrokerMessage> results, long now)
    {
        try
        {
            if (TopicMatcher.ContainsWildcard(filter))
            {
                await GetWildcardAsync(filter, results, now).ConfigureAwait(false);
            }
            else
            {
                await GetExactAsync(filter, results, now).ConfigureAwait(false);
            }
        }
        catch (Exception ex)
        {
            // The task must not fault (IRetainedMessageStore): whatever went wrong, the subscriber gets what was found.
            Metrics.ReadFailed();
            _logger.LogError(ex, "Retained lookup of '{Filter}' failed", Truncate(filter));
        }
    }

    private async Task GetExactAsync(string topic, List<BrokerMessage> results, long now)
    {
        if (!_connection.IsConnected)
        {
            // A lookup does not queue behind a lost connection (the SUBSCRIBE would wait the whole operation timeout).
            Metrics.ReadFailed();
            AddFromIndexOnly(topic, results, now);
            return;
        }

        RedisValue value;
        try
        {
            value = await _db.HashGetAsync(_keys[0], topic).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException or ObjectDisposedException)
        {
            // Redis cannot be asked: answer from the index (the cached message, if this node has it).
            Metrics.ReadFailed();
            _logger.LogWarning("Retained lookup of '{Topic}' answered from this node's index only: Redis at {Endpoints} failed ({Error})", Truncate(topic), _connection.Endpoints, ex.Message);
            AddFromIndexOnly(topic, results, now);
            return;
        }

        if (!value.IsNull && Decode(topic, (byte[])value!) is { } message && !message.IsExpired(now))
        {
            results.Add(message);
        }
    }

    private async Task GetWildcardAsync(string filter, List<BrokerMessage> results, long now)
    {
        try
        {
            if (_connection.IsConnected)
            {
                await EnsureCurrentAsync().ConfigureAwait(false);
            }
            else
            {
                // Not connected: answer from the index at once rather than queue behind the lost connection.
                Metrics.ReadFailed();
            }
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException or ObjectDisposedException)
        {
            Metrics.ReadFailed();
            _logger.LogWarning("Retained lookup of '{Filter}' answered from this node's index as it is: Redis at {Endpoints} failed ({Error})", Truncate(filter), _connection.Endpoints, ex.Message);
        }

        var matches = new List<RetainedIndexEntry>();
        _indexLock.EnterReadLock();
        try
        {
            _index.Match(filter, matches);
        }
        finally
        {
            _indexLock.ExitReadLock();
        }

        List<RetainedIndexEntry>? uncached = null;
        foreach (RetainedIndexEntry entry in matches)
        {
            if (entry.IsExpired(now))
            {
                continue;
            }

            if (entry.Message is { } cached)
            {
                results.Add(cached);
            }
            else
            {
                (uncached ??= new List<RetainedIndexEntry>()).Add(entry);
            }
        }

        if (uncached is not null)
        {
            await ReadUncachedAsync(uncached, results, now).ConfigureAwait(false);
        }
    }

    /// <summary>Reads the messages the index does not cache, in batches of HMGET sent together (one round trip, pipelined).</summary>
    private async Task ReadUncachedAsync(List<RetainedIndexEntry> entries, List<BrokerMessage> results, long now)
    {
        if (!_connection.IsConnected)
        {
            Metrics.ReadFailed();
            _logger.LogWarning("{Count} retained message(s) not delivered: their payloads are in Redis at {Endpoints}, which is not connected", entries.Count, _connection.Endpoints);
            return;
        }

        var batches = new List<(int Start, Task<RedisValue[]> Values)>();
        for (int start = 0; start < entries.Count; start += ReadBatch)
        {
            int count = Math.Min(ReadBatch, entries.Count - start);
            var fields = new RedisValue[count];
            for (int i = 0; i < count; i++)
            {
                fields[i] = entries[start + i].Topic;
            }

            batches.Add((start, _db.HashGetAsync(_keys[0], fields)));
        }

        foreach ((int start, Task<RedisValue[]> task) in batches)
        {
            RedisValue[] values;
            try
            {
                values = await task.ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is RedisException or TimeoutException or ObjectDisposedException)
            {
                Metrics.ReadFailed();
                _logger.LogWarning("{Count} retained message(s) not delivered: their payloads are in Redis at {Endpoints}, which failed ({Error})", Math.Min(ReadBatch, entries.Count - start), _connection.Endpoints, ex.Message);
                continue;
            }

            for (int i = 0; i < values.Length; i++)
            {
                string topic = entries[start + i].Topic;
                if (!values[i].IsNull && Decode(topic, (byte[])values[i]!) is { } message && !message.IsExpired(now))
                {
                    results.Add(message);
                }
            }
        }
    }

    private void AddFromIndexOnly(string topic, List<BrokerMessage> results, long now)
    {
        _indexLock.EnterReadLock();
        try
        {
            if (_index.TryGet(topic, out RetainedIndexEntry? entry) && entry!.Message is { } message && !message.IsExpired(now))
            {
                results.Add(message);
            }
        }
        finally
        {
            _indexLock.ExitReadLock();
        }
    }

    /// <summary>
    /// The read-after-write barrier of wildcard lookups: reads Redis's version and epoch and, unless this node's
    /// index has applied that version of that epoch, catches up (or rebuilds) before the index is matched.
    /// </summary>
    private async Task EnsureCurrentAsync()
    {
        RedisValue[] state = await _db.StringGetAsync([_keys[1], _keys[3]]).ConfigureAwait(false);
        long remote = state[0].IsNull ? 0 : (long)state[0];
        string? epoch = state[1].IsNull ? null : (string?)state[1];
        if (IsCurrent(remote, epoch))
        {
            return;
        }

        await SyncAsync(rebuild: false).ConfigureAwait(false);
    }

    private bool IsCurrent(long remoteVersion, string? remoteEpoch)
    {
        lock (_syncLock)
        {
            return _epoch is not null && _epoch == remoteEpoch && _applied >= remoteVersion;
        }
    }

    // ------------------------------------------------------------------ notifications

    private async Task TrySubscribeAsync()
    {
        if (_notifications is not null)
        {
            return;
        }

        try
        {
            ChannelMessageQueue queue = await _connection.Multiplexer.GetSubscriber().SubscribeAsync(_channel).ConfigureAwait(false);
            queue.OnMessage(OnNotification);
            _notifications = queue;
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            _logger.LogWarning("Retained messages: could not subscribe to the change channel at {Endpoints} ({Error}); retrying", _connection.Endpoints, ex.Message);
        }
    }

    /// <summary>One change notification, "version:body", in the order Redis published them (StackExchange.Redis calls this sequentially).</summary>
    private void OnNotification(ChannelMessage notification)
    {
        Metrics.NotificationReceived();
        byte[]? raw = notification.Message;
        int colon = raw is null ? -1 : Array.IndexOf(raw, (byte)':');
        if (raw is null || colon <= 0 || !Utf8Parser.TryParse(raw.AsSpan(0, colon), out long version, out int consumed) || consumed != colon)
        {
            Metrics.UndecodableFound();
            _logger.LogWarning("Retained messages: a notification on channel {Channel} is not 'version:body'; skipped (a catch-up follows)", _channelValue);
            RequestSync();
            return;
        }

        byte[] body = raw.AsSpan(colon + 1).ToArray();
        bool gap;
        lock (_syncLock)
        {
            if (_epoch is null && !_syncing)
            {
                return; // never built: the build reads everything
            }

            if (_syncing)
            {
                if ((_buffered ??= new List<(long, byte[])>()).Count < BufferedNotificationLimit)
                {
                    _buffered.Add((version, body));
                }
                else
                {
                    _bufferOverflowed = true;
                }

                return;
            }

            gap = ApplyNotificationLocked(version, body);
        }

        if (gap)
        {
            Metrics.NotificationGap();
            RequestSync();
        }
    }

    /// <summary>Applies one notification (under <see cref="_syncLock"/>); true when versions before it were missed.</summary>
    private bool ApplyNotificationLocked(long version, byte[] body)
    {
        if (version <= _applied)
        {
            return false; // already covered by a catch-up or rebuild
        }

        ApplyBody(body);
        if (version == _applied + 1)
        {
            _applied = version;
            return false;
        }

        return true;
    }

    private void ApplyBody(byte[] body)
    {
        if (body.Length == 0)
        {
            return;
        }

        switch (body[0])
        {
            case (byte)'D':
                WithIndex(index => index.Remove(Encoding.UTF8.GetString(body, 1, body.Length - 1)));
                break;
            case (byte)'M' when body.Length > RetainedMessageCodec.HeaderLength
                && RetainedMessageCodec.TryReadHeader(body.AsSpan(1), out long expiresAt):
                string topic = Encoding.UTF8.GetString(body, 1 + RetainedMessageCodec.HeaderLength, body.Length - 1 - RetainedMessageCodec.HeaderLength);
                WithIndex(index => index.Set(topic, expiresAt, null, 0));
                break;
            case (byte)'S' when RetainedMessageCodec.TryDecode(body.AsMemory(1), out BrokerMessage? message, out _):
                int length = body.Length - 1;
                WithIndex(index => index.Set(message!.Topic, message.ExpiresAtUnixMs, index.MayCache(length) ? message : null, length));
                break;
            default:
                Metrics.UndecodableFound();
                _logger.LogWarning("Retained messages: a change notification on channel {Channel} cannot be decoded (kind '{Kind}', {Length} bytes); skipped, a catch-up follows", _channelValue, (char)body[0], body.Length);
                RequestSync();
                break;
        }
    }

    private void WithIndex(Action<RetainedIndex> change)
    {
        _indexLock.EnterWriteLock();
        try
        {
            change(_index);
        }
        finally
        {
            _indexLock.ExitWriteLock();
        }
    }

    // ------------------------------------------------------------------ catch-up and rebuild

    private void OnRestored(ConnectionType type) => RequestSync();

    /// <summary>Runs a catch-up soon (coalesced: at most one waits behind the running one).</summary>
    private void RequestSync()
    {
        if (Interlocked.Exchange(ref _syncRequested, 1) == 0 && !_stopping.IsCancellationRequested)
        {
            _ = Task.Run(async () =>
            {
                Interlocked.Exchange(ref _syncRequested, 0);
                await SyncAsync(rebuild: false).ConfigureAwait(false);
            });
        }
    }

    /// <summary>
    /// Brings the index up to Redis: a rebuild by scanning when never built, asked to, when Redis has a new epoch
    /// or this node is behind the change log's floor; otherwise a catch-up through the change log. One at a time;
    /// notifications arriving meanwhile are buffered and replayed after it. Never throws for Redis failures
    /// (logs them); true when the index is current as of the end of the call.
    /// </summary>
    private async Task<bool> SyncAsync(bool rebuild)
    {
        try
        {
            await _syncGate.WaitAsync(_stopping.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            return false;
        }

        try
        {
            lock (_syncLock)
            {
                _syncing = true;
            }

            bool current = false;
            try
            {
                current = await SyncCoreAsync(rebuild).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is RedisException or TimeoutException or ObjectDisposedException)
            {
                ReportDegraded(ex);
            }
            finally
            {
                ReplayBuffered();
            }

            return current;
        }
        finally
        {
            _syncGate.Release();
        }
    }

    private async Task<bool> SyncCoreAsync(bool rebuild)
    {
        bool rebuilt = false;
        for (int round = 0; round < 4; round++)
        {
            string? epoch;
            long applied;
            lock (_syncLock)
            {
                epoch = _epoch;
                applied = _applied;
            }

            if (rebuild || epoch is null)
            {
                await RebuildAsync().ConfigureAwait(false);
                rebuild = false;
                rebuilt = true;
                continue;
            }

            RedisResult result = await _db.ScriptEvaluateAsync(RetainedScripts.ChangesSince, _keys, [applied, CatchUpBatch]).ConfigureAwait(false);
            var items = (RedisResult[])result!;
            string? remoteEpoch = (string?)items[0];
            long remoteVersion = (long)items[1];
            long floor = (long)items[2];
            if (remoteEpoch != epoch || applied < floor || applied > remoteVersion)
            {
                _logger.LogWarning(
                    "Retained messages: this node's index is at version {Applied} of epoch {Epoch}, Redis at {Endpoints} is at {Version} of epoch {RemoteEpoch} (change log from {Floor}): rebuilding the index from Redis",
                    applied, epoch, _connection.Endpoints, remoteVersion, remoteEpoch, floor);
                rebuild = true;
                continue;
            }

            int changes = (items.Length - 3) / 3;
            if (changes > 0)
            {
                ApplyChanges(items);
                if (!rebuilt)
                {
                    Metrics.CaughtUp();
                }
            }

            lock (_syncLock)
            {
                // A full batch may have more behind it: advance to its last version and read on.
                _applied = changes == CatchUpBatch ? (long)items[^2] : remoteVersion;
            }

            if (changes < CatchUpBatch)
            {
                RecoverFromDegraded();
                return true;
            }

            round--; // a full batch is progress, not a retry
        }

        return false;
    }

    private void ApplyChanges(RedisResult[] items)
    {
        _indexLock.EnterWriteLock();
        try
        {
            for (int i = 3; i + 2 < items.Length; i += 3)
            {
                string topic = (string)items[i]!;
                RedisResult value = items[i + 2];
                if (value.IsNull)
                {
                    _index.Remove(topic);
                }
                else
                {
                    AddToIndex(_index, topic, (byte[])value!);
                }
            }
        }
        finally
        {
            _indexLock.ExitWriteLock();
        }
    }

    /// <summary>Builds a new index by scanning the hash (HSCAN pages; never KEYS), then swaps it in.</summary>
    private async Task RebuildAsync()
    {
        // The state first: every change after this version is read again by the catch-up that follows the scan.
        RedisResult result = await _db.ScriptEvaluateAsync(RetainedScripts.ChangesSince, _keys, [-1, 0]).ConfigureAwait(false);
        var items = (RedisResult[])result!;
        string? epoch = (string?)items[0];
        long version = (long)items[1];

        RetainedIndex index = NewIndex();
        long scanned = 0;
        await foreach (HashEntry entry in _db.HashScanAsync(_keys[0], pageSize: ScanPageSize).ConfigureAwait(false))
        {
            AddToIndex(index, (string)entry.Name!, (byte[])entry.Value!);
            scanned++;
        }

        _indexLock.EnterWriteLock();
        try
        {
            Volatile.Write(ref _index, index);
        }
        finally
        {
            _indexLock.ExitWriteLock();
        }

        lock (_syncLock)
        {
            _epoch = epoch;
            _applied = version;
        }

        Metrics.Rebuilt();
        _logger.LogInformation(
            "Retained messages: index built from Redis at {Endpoints} ({Count} retained message(s) scanned, {Cached} bytes of them cached, version {Version})",
            _connection.Endpoints, scanned, index.CachedBytes, version);
    }

    /// <summary>Adds a value read from Redis to an index (under its lock, or before it is published): skipped with a log line when it does not decode.</summary>
    private void AddToIndex(RetainedIndex index, string topic, byte[] value)
    {
        if (!RetainedMessageCodec.TryReadHeader(value, out long expiresAt))
        {
            ReportUndecodable(topic, value.Length == 0 ? "an empty value" : $"format version {value[0]} is not {RetainedMessageCodec.FormatVersion}");
            index.Remove(topic);
            return;
        }

        if (!index.MayCache(value.Length))
        {
            index.Set(topic, expiresAt, null, 0);
            return;
        }

        if (Decode(topic, value) is { } message)
        {
            index.Set(topic, expiresAt, message, value.Length);
        }
        else
        {
            index.Remove(topic);
        }
    }

    private void ReplayBuffered()
    {
        bool gap = false;
        bool overflowed;
        lock (_syncLock)
        {
            _syncing = false;
            overflowed = _bufferOverflowed;
            _bufferOverflowed = false;
            if (_buffered is { } buffered)
            {
                _buffered = null;
                if (_epoch is not null)
                {
                    foreach ((long version, byte[] body) in buffered)
                    {
                        gap |= ApplyNotificationLocked(version, body);
                    }
                }
            }
        }

        if (gap || overflowed)
        {
            Metrics.NotificationGap();
            RequestSync();
        }
    }

    // ------------------------------------------------------------------ reconcile loop and expiry

    private async Task ReconcileLoopAsync()
    {
        using var timer = new PeriodicTimer(_options.ReconcileInterval, _time);
        try
        {
            while (await timer.WaitForNextTickAsync(_stopping.Token).ConfigureAwait(false))
            {
                if (!_connection.IsConnected)
                {
                    continue;
                }

                await TrySubscribeAsync().ConfigureAwait(false);
                if (await SyncAsync(rebuild: false).ConfigureAwait(false))
                {
                    await DeleteExpiredAsync().ConfigureAwait(false);
                }
            }
        }
        catch (OperationCanceledException) when (_stopping.IsCancellationRequested)
        {
        }
        catch (Exception ex)
        {
            _logger.LogError(ex, "Retained messages: the reconcile loop stopped; the index is no longer reconciled with Redis");
        }
    }

    private async Task DeleteExpiredAsync()
    {
        long now = _time.GetUtcNow().ToUnixTimeMilliseconds();
        var expired = new List<RetainedIndexEntry>();
        _indexLock.EnterWriteLock();
        try
        {
            if (_index.Expiring == 0 || _index.EarliestExpiry > now)
            {
                return;
            }

            _index.CollectExpired(now, expired);
        }
        finally
        {
            _indexLock.ExitWriteLock();
        }

        for (int start = 0; start < expired.Count; start += SweepBatch)
        {
            int count = Math.Min(SweepBatch, expired.Count - start);
            var args = new RedisValue[2 + (2 * count)];
            args[0] = _channelValue;
            args[1] = RetainedScripts.ChangeLogWindow;
            for (int i = 0; i < count; i++)
            {
                RetainedIndexEntry entry = expired[start + i];
                args[2 + (2 * i)] = entry.Topic;
                args[3 + (2 * i)] = RetainedMessageCodec.Header(entry.ExpiresAtUnixMs);
            }

            try
            {
                RedisResult deleted = await _db.ScriptEvaluateAsync(RetainedScripts.DeleteExpired, _keys, args).ConfigureAwait(false);
                Metrics.ExpiredRemoved((long)deleted);
            }
            catch (Exception ex) when (ex is RedisException or TimeoutException)
            {
                _logger.LogWarning("Retained messages: deleting {Count} expired message(s) from Redis failed ({Error}); retried next time", count, ex.Message);
                return;
            }
        }
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
