using System.Collections.Concurrent;
using System.Text;
using ClusterBroker.Core.Messages;
using ClusterBroker.Core.Retained;
using ClusterBroker.Topics;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;

namespace ClusterBroker.Storage.Redis.Retained;

/// <summary>The reconcile loop and the deletion of expired messages.</summary>
public sealed partial class RedisRetainedMessageStore
{
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
}
