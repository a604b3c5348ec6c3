namespace ClusterBroker.Core;

/// <summary>What a full per-session queue does with one more message.</summary>
public enum QueueDropPolicy
{
    /// <summary>Drop the oldest queued message to make room for the new one (default; EMQX's choice).</summary>
    DropOldest = 0,

    /// <summary>Drop the new message and keep the queue as it is.</summary>
    DropNewest = 1,
}
