using ClusterBroker.Core.Routing;
using ClusterBroker.Core.Routing.Sharing;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;

namespace ClusterBroker.Storage.Redis.Shared;

/// <summary>
/// Shared-group membership in Redis (design section 2: Redis owns it in cluster mode, every node caches it).
/// </summary>
/// <remarks>
/// <para><b>In Redis</b> (under <see cref="RedisOptions.KeyPrefix"/>): one hash, member field -> node and online flag
/// (<see cref="SharedMemberCodec"/>). Each change is one script that writes the hash and publishes the change on the
/// channel ('S' field NUL value, or 'D' field NUL node), so the write and its notification cannot part. A delete
/// names the node that wrote the entry and removes it only while it still names that node: a member whose session
/// moved to another node keeps the newer entry when the old node's removal arrives late.</para>
/// <para><b>On each node</b> a <see cref="SharedMembershipCache"/>, loaded by scanning the hash (HSCAN, never KEYS),
/// kept current by the notifications, and reloaded every <see cref="RedisOptions.ReconcileInterval"/> and when the
/// connection comes back (pub/sub drops what is published while disconnected). Notifications that arrive while a
/// load runs are replayed after it, so the load cannot undo them.</para>
/// <para><b>Never blocks.</b> Writes are sent without waiting (the publish path and the router's lock call in here);
/// a write Redis refuses or does not confirm within <see cref="RedisOptions.OperationTimeout"/> is counted and logged,
/// and the next reconcile of the other nodes sees what Redis has. Redis down: the cache keeps its last state, and
/// placement falls back to the route table for groups it does not know.</para>
/// <para><b>Node removal.</b> When a node leaves or is downed every survivor removes that incarnation's entries
/// (idempotent); a node starting removes the entries of its earlier incarnations at the same address.</para>
/// </remarks>
public sealed class RedisSharedMembership : ISharedMembership, IAsyncDisposable
{
    private const int ScanPageSize = 1000;

    private const string SetScript = """
        redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
        redis.call('PUBLISH', ARGV[3], 'S' .. ARGV[1] .. '\0' .. ARGV[2])
        return 1
        """;

    // Deletes the field only while its value names ARGV[2] (value = node NUL flag).
    private const string DeleteScript = """
        local v = redis.call('HGET', KEYS[1], ARGV[1])
        if v and string.sub(v, 1, #ARGV[2] + 1) == ARGV[2] .. '\0' then
          redis.call('HDEL', KEYS[1], ARGV[1])
          redis.call('PUBLISH', ARGV[3], 'D' .. ARGV[1] .. '\0' .. ARGV[2])
          return 1
        end
        return 0
        """;

    private readonly RedisConnection _connection;
    private readonly IDatabase _db;
    private readonly RedisKey _hash;
    private readonly RedisChannel _channel;
    private readonly string _channelName;
    private readonly string _node;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stopping = new();
    private readonly SemaphoreSlim _loadGate = new(1, 1);
    private readonly object _replayLock = new();
    private List<string>? _replay;
    private ChannelMessageQueue? _notifications;
    private Task? _loop;
    private long _writesFailed;
    private long _undecodable;
    private int _disposed;

    private RedisSharedMembership(RedisConnection connection, string node, ILoggerFactory loggerFactory)
    {
        _connection = connection;
        _db = connection.Multiplexer.GetDatabase();
        _hash = connection.Options.KeyPrefix + "shared:members";
        _channelName = connection.Options.KeyPrefix + "shared:changes";
        _channel = RedisChannel.Literal(_channelName);
        _node = node;
        _logger = loggerFactory.CreateLogger<RedisSharedMembership>();
    }

    /// <summary>This node's copy of the membership.</summary>
    public SharedMembershipCache Cache { get; } = new();

    /// <summary>Writes Redis refused or did not confirm in time.</summary>
    public long WritesFailed => Interlocked.Read(ref _writesFailed);

    /// <summary>Entries or notifications that did not decode (skipped, logged).</summary>
    public long Undecodable => Interlocked.Read(ref _undecodable);

    /// <summary>
    /// Starts the membership of node <paramref name="node"/> (its incarnation's name, "address#uid"): subscribes, removes
    /// the entries of this address's earlier incarnations, loads the cache and starts the reconcile loop, all in the
    /// background (a Redis that does not answer delays nothing: the loop retries).
    /// </summary>
    public static RedisSharedMembership Start(RedisConnection connection, string node, ILoggerFactory loggerFactory)
    {
        ArgumentNullException.ThrowIfNull(connection);
        ArgumentException.ThrowIfNullOrEmpty(node);
        var membership = new RedisSharedMembership(connection, node, loggerFactory);
        connection.Restored += membership.OnRestored;
        membership._loop = Task.Run(membership.RunAsync);
        return membership;
    }

    // ------------------------------------------------------------------ ISharedMembership

    public void MemberChanged(RouteKey group, string clientId, bool online)
    {
        string field = SharedMemberCodec.Field(group, clientId);
        string value = SharedMemberCodec.Value(_node, online);
        Cache.Set(group, clientId, _node, online); // this node's own view at once
        Send(_db.ScriptEvaluateAsync(SetScript, [_hash], [field, value, _channelName]), "write", field);
    }

    public void MemberRemoved(RouteKey group, string clientId)
    {
        string field = SharedMemberCodec.Field(group, clientId);
        Cache.Delete(group, clientId, _node);
        Send(_db.ScriptEvaluateAsync(DeleteScript, [_hash], [field, _node, _channelName]), "delete", field);
    }

    public bool TryGetOnlineNodes(RouteKey group, out IReadOnlyCollection<string> nodes) => Cache.TryGetOnlineNodes(group, out nodes);

    public event Action<RouteKey>? MemberOnlineElsewhere;

    public void NodeRemoved(string node) => _ = RemoveNodeAsync(n => n == node, $"node {node}");

    // ------------------------------------------------------------------ writes

    private void Send(Task<RedisResult> write, string what, string field) =>
        _ = ConfirmAsync(write, what, field);

    private async Task ConfirmAsync(Task<RedisResult> write, string what, string field)
    {
        try
        {
            await write.WaitAsync(_connection.Options.OperationTimeout).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            long failed = Interlocked.Increment(ref _writesFailed);
            if (failed <= 10 || failed % 1000 == 0)
            {
                _logger.LogWarning(
                    "Shared groups: a membership {What} of {Member} was not confirmed by Redis at {Endpoints} ({Error}); {Failed} failed so far; the other nodes see it at their next reconcile with Redis",
                    what, Readable(field), _connection.Endpoints, ex.Message, failed);
            }
        }
    }

    /// <summary>Removes every entry whose node matches (scan, then a conditional delete per entry).</summary>
    private async Task RemoveNodeAsync(Func<string, bool> matches, string description)
    {
        try
        {
            int removed = 0;
            await foreach (HashEntry entry in _db.HashScanAsync(_hash, pageSize: ScanPageSize).WithCancellation(_stopping.Token).ConfigureAwait(false))
            {
                if (SharedMemberCodec.TryParseValue(entry.Value.ToString(), out string node, out _) && matches(node))
                {
                    RedisResult result = await _db.ScriptEvaluateAsync(DeleteScript, [_hash], [entry.Name, node, _channelName]).ConfigureAwait(false);
                    removed += (int)result;
                }
            }

            if (removed > 0)
            {
                _logger.LogInformation("Shared groups: removed {Count} member(s) of {Node} from Redis", removed, description);
            }
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException or OperationCanceledException)
        {
            if (!_stopping.IsCancellationRequested)
            {
                _logger.LogWarning("Shared groups: removing the members of {Node} from Redis failed ({Error}); the next node start or removal retries", description, ex.Message);
            }
        }
    }

    // ------------------------------------------------------------------ notifications and loading

    private async Task RunAsync()
    {
        // Earlier incarnations of this address (a crash with no survivor to clean up) are stale.
        string address = SharedMemberCodec.AddressOf(_node);
        bool cleaned = false;
        using var timer = new PeriodicTimer(_connection.Options.ReconcileInterval);
        try
        {
            do
            {
                if (!_connection.IsConnected)
                {
                    continue;
                }

                await TrySubscribeAsync().ConfigureAwait(false);
                if (!cleaned)
                {
                    await RemoveNodeAsync(n => n != _node && SharedMemberCodec.AddressOf(n) == address, $"earlier runs of {address}").ConfigureAwait(false);
                    cleaned = true;
                }

                await LoadAsync().ConfigureAwait(false);
            }
            while (await timer.WaitForNextTickAsync(_stopping.Token).ConfigureAwait(false));
        }
        catch (OperationCanceledException) when (_stopping.IsCancellationRequested)
        {
        }
        catch (Exception ex)
        {
            _logger.LogError(ex, "Shared groups: the membership reconcile loop stopped; the cache is no longer reconciled with Redis");
        }
    }

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
            _logger.LogWarning("Shared groups: could not subscribe to {Channel} at {Endpoints} ({Error}); retrying", _channelName, _connection.Endpoints, ex.Message);
        }
    }

    /// <summary>Reads the whole hash into the cache; notifications arriving meanwhile are applied after it.</summary>
    private async Task LoadAsync()
    {
        await _loadGate.WaitAsync(_stopping.Token).ConfigureAwait(false);
        try
        {
            lock (_replayLock)
            {
                _replay = new List<string>();
            }

            var members = new List<(RouteKey, string, string, bool)>();
            try
            {
                await foreach (HashEntry entry in _db.HashScanAsync(_hash, pageSize: ScanPageSize).WithCancellation(_stopping.Token).ConfigureAwait(false))
                {
                    string field = entry.Name.ToString();
                    if (SharedMemberCodec.TryParseField(field, out RouteKey group, out string clientId)
                        && SharedMemberCodec.TryParseValue(entry.Value.ToString(), out string node, out bool online))
                    {
                        members.Add((group, clientId, node, online));
                    }
                    else
                    {
                        Undecoded($"the entry {Readable(field)} of {_hash}");
                    }
                }
            }
            catch (Exception ex) when (ex is RedisException or TimeoutException)
            {
                _logger.LogWarning("Shared groups: loading the membership from Redis at {Endpoints} failed ({Error}); the cache keeps its last state", _connection.Endpoints, ex.Message);
                lock (_replayLock)
                {
                    ReplayLocked(apply: true);
                }

                return;
            }

            lock (_replayLock)
            {
                Cache.Replace(members);
                ReplayLocked(apply: true);
            }
        }
        finally
        {
            _loadGate.Release();
        }
    }

    private void ReplayLocked(bool apply)
    {
        List<string>? replay = _replay;
        _replay = null;
        if (apply && replay is not null)
        {
            foreach (string notification in replay)
            {
                Apply(notification);
            }
        }
    }

    private void OnNotification(ChannelMessage message)
    {
        string? notification = message.Message;
        if (notification is null)
        {
            return;
        }

        lock (_replayLock)
        {
            if (_replay is not null)
            {
                _replay.Add(notification);
                return;
            }
        }

        Apply(notification);
    }

    /// <summary>'S' field NUL value or 'D' field NUL node (the field holds two NULs itself).</summary>
    private void Apply(string notification)
    {
        int last = notification.LastIndexOf(SharedMemberCodec.Separator);
        if (notification.Length > 1 && notification[0] == 'S')
        {
            // The value is "node NUL flag": the field ends at the second NUL from the end.
            int valueStart = last < 0 ? -1 : notification.LastIndexOf(SharedMemberCodec.Separator, last - 1);
            if (valueStart > 1
                && SharedMemberCodec.TryParseField(notification[1..valueStart], out RouteKey group, out string clientId)
                && SharedMemberCodec.TryParseValue(notification[(valueStart + 1)..], out string node, out bool online))
            {
                Cache.Set(group, clientId, node, online);
                if (online && node != _node)
                {
                    NotifyOnlineElsewhere(group);
                }

                return;
            }
        }
        else if (notification.Length > 1 && notification[0] == 'D' && last > 1
            && SharedMemberCodec.TryParseField(notification[1..last], out RouteKey group, out string clientId))
        {
            Cache.Delete(group, clientId, notification[(last + 1)..]);
            return;
        }

        Undecoded($"a notification on {_channelName}");
    }

    private void NotifyOnlineElsewhere(RouteKey group)
    {
        try
        {
            MemberOnlineElsewhere?.Invoke(group);
        }
        catch (Exception ex)
        {
            // The router's handler must not stop the notifications.
            _logger.LogError(ex, "Shared groups: handling a member of {Group} ({Filter}) online on another node failed", group.Group, group.Filter);
        }
    }

    private void Undecoded(string what)
    {
        long count = Interlocked.Increment(ref _undecodable);
        if (count <= 10 || count % 1000 == 0)
        {
            _logger.LogWarning("Shared groups: {What} does not decode; skipped ({Count} so far)", what, count);
        }
    }

    private void OnRestored(ConnectionType type)
    {
        // Pub/sub dropped what was published while the connection was down: load again.
        if (Volatile.Read(ref _disposed) == 0)
        {
            _ = Task.Run(async () =>
            {
                try
                {
                    await TrySubscribeAsync().ConfigureAwait(false);
                    await LoadAsync().ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                }
            });
        }
    }

    private static string Readable(string field) => field.Replace(SharedMemberCodec.Separator, '/');

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        _connection.Restored -= OnRestored;
        await _stopping.CancelAsync().ConfigureAwait(false);
        if (_loop is not null)
        {
            await _loop.ConfigureAwait(false);
        }

        if (_notifications is not null)
        {
            try
            {
                await _notifications.UnsubscribeAsync().ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is RedisException or TimeoutException)
            {
                // Redis gone: nothing to unsubscribe from.
            }
        }

        _stopping.Dispose();
    }
}
