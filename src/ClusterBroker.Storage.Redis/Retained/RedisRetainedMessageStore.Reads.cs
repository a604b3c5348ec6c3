using System.Collections.Concurrent;
using System.Text;
using ClusterBroker.Core.Messages;
using ClusterBroker.Topics;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;

namespace ClusterBroker.Storage.Redis.Retained;

/// <summary>Reads: the retained messages a subscription matches, from the node's index (small bodies cached) or from Redis; when Redis cannot answer, from the index alone (counted as a failed read).</summary>
public sealed partial class RedisRetainedMessageStore
{
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
}
