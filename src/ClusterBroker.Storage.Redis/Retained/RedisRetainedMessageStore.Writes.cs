using System.Collections.Concurrent;
using System.Text;
using ClusterBroker.Core.Messages;
using ClusterBroker.Topics;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;

namespace ClusterBroker.Storage.Redis.Retained;

/// <summary>Writes: a retained message (or its deletion) is one script call; a write Redis does not confirm is reported lost.</summary>
public sealed partial class RedisRetainedMessageStore
{
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
}
