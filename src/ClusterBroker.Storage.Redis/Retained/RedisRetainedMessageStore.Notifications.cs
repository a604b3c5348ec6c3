using System.Buffers.Text;
using System.Text;
using ClusterBroker.Core.Messages;
using ClusterBroker.Topics;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;

namespace ClusterBroker.Storage.Redis.Retained;

/// <summary>Notifications: every node applies the changes the others publish, in version order.</summary>
public sealed partial class RedisRetainedMessageStore
{
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
}
