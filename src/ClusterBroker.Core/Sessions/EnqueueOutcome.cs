namespace ClusterBroker.Core.Sessions;

/// <summary>What a bounded session queue did with a message.</summary>
public enum EnqueueOutcome
{
    Queued,

    /// <summary>Queued after dropping the oldest message (policy DropOldest, queue full).</summary>
    QueuedDroppedOldest,

    /// <summary>Not queued: the queue was full (policy DropNewest) or queueing is disabled.</summary>
    DroppedNewest,

    /// <summary>Not queued: QoS 0 messages are not kept for offline clients.</summary>
    DroppedQoS0,

    /// <summary>Not queued: the message had expired.</summary>
    Expired,
}
