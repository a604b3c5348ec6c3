namespace ClusterBroker.Storage.Redis.Retained;

/// <summary>Counters of the Redis retained-message store of one node (also published under $SYS/broker/retained messages/redis/).</summary>
public sealed class RedisRetainedMetrics
{
    private long _writesStored;
    private long _writesLost;
    private long _readsFailed;
    private long _undecodable;
    private long _notifications;
    private long _notificationGaps;
    private long _catchUps;
    private long _rebuilds;
    private long _expiredDeleted;

    /// <summary>Retained writes (set or delete) Redis confirmed.</summary>
    public long WritesStored => Interlocked.Read(ref _writesStored);

    /// <summary>Retained writes Redis did not confirm within the operation timeout (Redis unreachable): reported lost.</summary>
    public long WritesLost => Interlocked.Read(ref _writesLost);

    /// <summary>Lookups that could not ask Redis and answered from this node's index alone.</summary>
    public long ReadsFailed => Interlocked.Read(ref _readsFailed);

    /// <summary>Values or notifications that could not be decoded (another format version, corruption): skipped.</summary>
    public long Undecodable => Interlocked.Read(ref _undecodable);

    /// <summary>Change notifications received.</summary>
    public long Notifications => Interlocked.Read(ref _notifications);

    /// <summary>Times a change notification was missing (its version skipped), each followed by a catch-up.</summary>
    public long NotificationGaps => Interlocked.Read(ref _notificationGaps);

    /// <summary>Catch-ups that found and applied changes this node had not seen through notifications.</summary>
    public long CatchUps => Interlocked.Read(ref _catchUps);

    /// <summary>Times the index was built from scratch by scanning Redis (the start included).</summary>
    public long Rebuilds => Interlocked.Read(ref _rebuilds);

    /// <summary>Expired retained messages this node deleted from Redis.</summary>
    public long ExpiredDeleted => Interlocked.Read(ref _expiredDeleted);

    internal void WriteStored() => Interlocked.Increment(ref _writesStored);

    internal long WriteLost() => Interlocked.Increment(ref _writesLost);

    internal void ReadFailed() => Interlocked.Increment(ref _readsFailed);

    internal void UndecodableFound() => Interlocked.Increment(ref _undecodable);

    internal void NotificationReceived() => Interlocked.Increment(ref _notifications);

    internal void NotificationGap() => Interlocked.Increment(ref _notificationGaps);

    internal void CaughtUp() => Interlocked.Increment(ref _catchUps);

    internal void Rebuilt() => Interlocked.Increment(ref _rebuilds);

    internal void ExpiredRemoved(long count) => Interlocked.Add(ref _expiredDeleted, count);
}
