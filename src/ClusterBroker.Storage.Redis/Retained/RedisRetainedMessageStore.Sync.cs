using System.Collections.Concurrent;
using System.Text;
using ClusterBroker.Core.Messages;
using ClusterBroker.Core.Retained;
using ClusterBroker.Topics;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;

namespace ClusterBroker.Storage.Redis.Retained;

/// <summary>Catch-up and rebuild: after a gap, a reconnection or Redis losing its data, the index is brought back to what Redis holds.</summary>
public sealed partial class RedisRetainedMessageStore
{
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
}
