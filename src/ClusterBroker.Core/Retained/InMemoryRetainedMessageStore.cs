using ClusterBroker.Core.Messages;
using ClusterBroker.Topics;

namespace ClusterBroker.Core.Retained;

/// <summary>
/// Retained messages in memory, indexed by a <see cref="TopicTree{TValue}"/> (one node per topic level) so a
/// wildcard filter visits only the branches it can match: "+" walks every child of one level, "#" the whole
/// subtree, literal levels one child. Filters starting with a wildcard skip topics starting with '$'
/// ([MQTT-4.7.2-1]). The tree walks with an explicit stack, so no topic depth can overflow the thread's stack.
/// A <see cref="ReaderWriterLockSlim"/> lets lookups run together; empty branches are pruned on delete.
/// Expired messages are skipped on lookup and those found are removed. Every operation completes
/// synchronously (the returned <see cref="ValueTask"/> is the default one: no allocation).
/// </summary>
public sealed class InMemoryRetainedMessageStore : IRetainedMessageStore
{
    private readonly ReaderWriterLockSlim _lock = new(LockRecursionPolicy.NoRecursion);
    private readonly TopicTree<BrokerMessage> _tree = new();

    public long Count
    {
        get
        {
            _lock.EnterReadLock();
            try
            {
                return _tree.Count;
            }
            finally
            {
                _lock.ExitReadLock();
            }
        }
    }

    public ValueTask Retain(BrokerMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        _lock.EnterWriteLock();
        try
        {
            if (message.Payload.IsEmpty)
            {
                _tree.Remove(message.Topic, out _);
            }
            else
            {
                _tree.Set(message.Topic, message);
            }
        }
        finally
        {
            _lock.ExitWriteLock();
        }

        return default;
    }

    public ValueTask GetMatching(string topicFilter, List<BrokerMessage> results, long nowUnixMs)
    {
        ArgumentNullException.ThrowIfNull(topicFilter);
        ArgumentNullException.ThrowIfNull(results);
        int first = results.Count;
        _lock.EnterReadLock();
        try
        {
            _tree.Match(topicFilter, results);
        }
        finally
        {
            _lock.ExitReadLock();
        }

        // Drop the expired ones from the answer (compacting in place), and from the store.
        List<BrokerMessage>? expired = null;
        int kept = first;
        for (int i = first; i < results.Count; i++)
        {
            BrokerMessage message = results[i];
            if (message.IsExpired(nowUnixMs))
            {
                (expired ??= new List<BrokerMessage>()).Add(message);
            }
            else
            {
                results[kept++] = message;
            }
        }

        if (expired is not null)
        {
            results.RemoveRange(kept, results.Count - kept);
            RemoveExpired(expired);
        }

        return default;
    }

    private void RemoveExpired(List<BrokerMessage> expired)
    {
        _lock.EnterWriteLock();
        try
        {
            foreach (BrokerMessage message in expired)
            {
                // Only while the topic still holds this very message: a newer one may have replaced it meanwhile.
                _tree.RemoveIf(message.Topic, message);
            }
        }
        finally
        {
            _lock.ExitWriteLock();
        }
    }
}
