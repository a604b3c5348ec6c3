using ClusterBroker.Core.Messages;
using ClusterBroker.Topics;

namespace ClusterBroker.Storage.Redis.Retained;

/// <summary>
/// One node's index of the retained messages in Redis: a <see cref="TopicTree{TValue}"/> of
/// <see cref="RetainedIndexEntry"/>, the bytes of cached messages, and the earliest expiry (so the expiry sweep
/// walks the index only when something may have expired). Not thread-safe: the store locks.
/// </summary>
internal sealed class RetainedIndex(int cachedMessageLimit, long cacheBudget)
{
    private readonly TopicTree<RetainedIndexEntry> _tree = new();

    public int Count => _tree.Count;

    public long CachedBytes { get; private set; }

    /// <summary>Entries with an expiry.</summary>
    public int Expiring { get; private set; }

    /// <summary>No entry expires before this (Unix ms); long.MaxValue when none expires.</summary>
    public long EarliestExpiry { get; private set; } = long.MaxValue;

    /// <summary>Whether a value of this encoded size may be cached now.</summary>
    public bool MayCache(int encodedLength) =>
        encodedLength <= cachedMessageLimit && CachedBytes + Cost(encodedLength) <= cacheBudget;

    /// <summary>Stores what is known of the topic's message; <paramref name="message"/> is cached (null = not cached).</summary>
    public void Set(string topic, long expiresAtUnixMs, BrokerMessage? message, int encodedLength)
    {
        int cost = message is null ? 0 : Cost(encodedLength);
        var entry = new RetainedIndexEntry(topic, expiresAtUnixMs, message, cost);
        _tree.Set(entry.Topic, entry, out RetainedIndexEntry? previous);
        if (previous is not null)
        {
            Forget(previous);
        }

        CachedBytes += cost;
        if (expiresAtUnixMs != 0)
        {
            Expiring++;
            EarliestExpiry = Math.Min(EarliestExpiry, expiresAtUnixMs);
        }
    }

    public void Remove(string topic)
    {
        if (_tree.Remove(topic, out RetainedIndexEntry? removed))
        {
            Forget(removed);
        }
    }

    public bool TryGet(string topic, out RetainedIndexEntry? entry) => _tree.TryGet(topic, out entry);

    public void Match(string filter, List<RetainedIndexEntry> results) => _tree.Match(filter, results);

    /// <summary>Appends the entries expired at <paramref name="nowUnixMs"/> and recomputes <see cref="EarliestExpiry"/> from the others.</summary>
    public void CollectExpired(long nowUnixMs, List<RetainedIndexEntry> expired)
    {
        var all = new List<RetainedIndexEntry>(_tree.Count);
        _tree.CollectAll(all);
        long earliest = long.MaxValue;
        foreach (RetainedIndexEntry entry in all)
        {
            if (entry.ExpiresAtUnixMs == 0)
            {
                continue;
            }

            if (entry.IsExpired(nowUnixMs))
            {
                expired.Add(entry);
            }
            else
            {
                earliest = Math.Min(earliest, entry.ExpiresAtUnixMs);
            }
        }

        // The expired ones stay in the index until their deletion comes back as a notification; look again soon.
        EarliestExpiry = expired.Count > 0 ? nowUnixMs : earliest;
    }

    private void Forget(RetainedIndexEntry entry)
    {
        CachedBytes -= entry.CachedBytes;
        if (entry.ExpiresAtUnixMs != 0)
        {
            Expiring--;
        }
    }

    /// <summary>Bytes a cached message is counted for: its encoded size plus the objects that hold it (message, entry, arrays).</summary>
    private static int Cost(int encodedLength) => encodedLength + 160;
}
