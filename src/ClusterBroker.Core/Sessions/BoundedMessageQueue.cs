using ClusterBroker.Core.Messages;
using ClusterBroker.Protocol;
using Microsoft.Extensions.Logging;

namespace ClusterBroker.Core.Sessions;

/// <summary>
/// A session's queue of QoS 1/2 messages (and QoS 0 with <see cref="BrokerOptions.QueueQoS0Messages"/>), bounded by <see cref="BrokerOptions.MaxQueuedMessagesPerSession"/>
/// with its drop policy; counts drops and logs them (the first drop, then at every power of two, so a
/// flood of drops cannot flood the log). Not thread-safe; the storage is allocated on first use.
/// </summary>
public sealed class BoundedMessageQueue
{
    private Queue<QueuedMessage>? _items;
    private long _dropped;

    public int Count => _items?.Count ?? 0;

    /// <summary>Messages dropped by this queue since it was created.</summary>
    public long Dropped => _dropped;

    public EnqueueOutcome Enqueue(QueuedMessage message, BrokerOptions options, long nowUnixMs, string clientId, ILogger logger, BrokerMetrics? metrics)
    {
        if (message.QoS == QualityOfService.AtMostOnce && !options.QueueQoS0Messages)
        {
            return EnqueueOutcome.DroppedQoS0;
        }

        if (message.Message.IsExpired(nowUnixMs))
        {
            return EnqueueOutcome.Expired;
        }

        int max = options.MaxQueuedMessagesPerSession;
        _items ??= new Queue<QueuedMessage>();
        if (_items.Count >= max)
        {
            PurgeExpired(nowUnixMs);
        }

        if (_items.Count < max)
        {
            _items.Enqueue(message);
            return EnqueueOutcome.Queued;
        }

        if (options.QueueDropPolicy == QueueDropPolicy.DropOldest && max > 0)
        {
            _items.Dequeue();
            _items.Enqueue(message);
            OnDropped(clientId, max, options.QueueDropPolicy, logger, metrics);
            return EnqueueOutcome.QueuedDroppedOldest;
        }

        OnDropped(clientId, max, options.QueueDropPolicy, logger, metrics);
        return EnqueueOutcome.DroppedNewest;
    }

    /// <summary>Adds a message without applying the bound (for state handed back by a connection).</summary>
    public void EnqueueUnbounded(QueuedMessage message) => (_items ??= new Queue<QueuedMessage>()).Enqueue(message);

    public bool TryDequeue(long nowUnixMs, out QueuedMessage message)
    {
        while (_items is { Count: > 0 })
        {
            message = _items.Dequeue();
            if (!message.Message.IsExpired(nowUnixMs))
            {
                return true;
            }
        }

        message = null!;
        return false;
    }

    public bool TryPeek(out QueuedMessage message)
    {
        if (_items is { Count: > 0 })
        {
            message = _items.Peek();
            return true;
        }

        message = null!;
        return false;
    }

    /// <summary>Removes every message (in order), skipping expired ones, and releases the storage.</summary>
    public void DrainTo(List<QueuedMessage> target, long nowUnixMs)
    {
        if (_items is null)
        {
            return;
        }

        foreach (QueuedMessage message in _items)
        {
            if (!message.Message.IsExpired(nowUnixMs))
            {
                target.Add(message);
            }
        }

        _items = null;
    }

    public void Clear() => _items = null;

    private void PurgeExpired(long nowUnixMs)
    {
        if (_items is null)
        {
            return;
        }

        int count = _items.Count;
        for (int i = 0; i < count; i++)
        {
            QueuedMessage message = _items.Dequeue();
            if (!message.Message.IsExpired(nowUnixMs))
            {
                _items.Enqueue(message);
            }
        }
    }

    private void OnDropped(string clientId, int max, QueueDropPolicy policy, ILogger logger, BrokerMetrics? metrics)
    {
        _dropped++;
        metrics?.MessageDropped();
        if ((_dropped & (_dropped - 1)) == 0)
        {
            logger.LogWarning(
                "Session queue of client {ClientId} is full ({MaxQueued} messages, policy {DropPolicy}): {DroppedCount} message(s) dropped so far",
                clientId, max, policy, _dropped);
        }
    }
}
