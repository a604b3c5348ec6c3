using ClusterBroker.Core.Messages;

namespace ClusterBroker.Core.Retained;

/// <summary>
/// Retained messages in memory, indexed by a topic tree (one node per topic level) so a wildcard filter
/// visits only the branches it can match: "+" walks every child of one level, "#" the whole subtree,
/// literal levels one child. Filters starting with a wildcard skip topics starting with '$' ([MQTT-4.7.2-1]).
/// A <see cref="ReaderWriterLockSlim"/> lets lookups run together; empty branches are pruned on delete.
/// Expired messages are skipped on lookup and removed when found.
/// </summary>
public sealed class InMemoryRetainedMessageStore : IRetainedMessageStore
{
    private readonly ReaderWriterLockSlim _lock = new(LockRecursionPolicy.NoRecursion);
    private readonly TopicNode _root = new(null, string.Empty);
    private int _count;

    public int Count => Volatile.Read(ref _count);

    public void Retain(BrokerMessage message)
    {
        bool delete = message.Payload.IsEmpty;
        _lock.EnterWriteLock();
        try
        {
            TopicNode node = _root;
            int start = 0;
            string topic = message.Topic;
            while (true)
            {
                int slash = topic.IndexOf('/', start);
                string level = slash < 0 ? topic[start..] : topic[start..slash];
                TopicNode? child = null;
                if (node.Children is null || !node.Children.TryGetValue(level, out child))
                {
                    if (delete)
                    {
                        return;
                    }

                    child = new TopicNode(node, level);
                    (node.Children ??= new Dictionary<string, TopicNode>(StringComparer.Ordinal)).Add(level, child);
                }

                node = child!;
                if (slash < 0)
                {
                    break;
                }

                start = slash + 1;
            }

            if (delete)
            {
                if (node.Message is not null)
                {
                    node.Message = null;
                    _count--;
                    Prune(node);
                }
            }
            else
            {
                if (node.Message is null)
                {
                    _count++;
                }

                node.Message = message;
            }
        }
        finally
        {
            _lock.ExitWriteLock();
        }
    }

    public void GetMatching(string topicFilter, List<BrokerMessage> results, long nowUnixMs)
    {
        bool sawExpired = false;
        _lock.EnterReadLock();
        try
        {
            Match(_root, topicFilter, 0, results, nowUnixMs, ref sawExpired, isRoot: true);
        }
        finally
        {
            _lock.ExitReadLock();
        }

        if (sawExpired)
        {
            RemoveExpired(nowUnixMs);
        }
    }

    private static void Match(TopicNode node, string filter, int start, List<BrokerMessage> results, long now, ref bool sawExpired, bool isRoot)
    {
        int slash = filter.IndexOf('/', start);
        ReadOnlySpan<char> level = slash < 0 ? filter.AsSpan(start) : filter.AsSpan(start, slash - start);
        bool last = slash < 0;
        if (level is "#")
        {
            // "#" also matches the parent level itself ("a/#" matches "a").
            if (!isRoot)
            {
                Add(node, results, now, ref sawExpired);
            }

            if (node.Children is not null)
            {
                foreach (TopicNode child in node.Children.Values)
                {
                    if (isRoot && child.Level.StartsWith('$'))
                    {
                        continue;
                    }

                    AddSubtree(child, results, now, ref sawExpired);
                }
            }

            return;
        }

        if (node.Children is null)
        {
            return;
        }

        if (level is "+")
        {
            foreach (TopicNode child in node.Children.Values)
            {
                if (isRoot && child.Level.StartsWith('$'))
                {
                    continue;
                }

                Visit(child, filter, slash, last, results, now, ref sawExpired);
            }
        }
        else if (node.Children.GetAlternateLookup<ReadOnlySpan<char>>().TryGetValue(level, out TopicNode? child))
        {
            Visit(child, filter, slash, last, results, now, ref sawExpired);
        }
    }

    private static void Visit(TopicNode child, string filter, int slash, bool last, List<BrokerMessage> results, long now, ref bool sawExpired)
    {
        if (last)
        {
            Add(child, results, now, ref sawExpired);
        }
        else
        {
            Match(child, filter, slash + 1, results, now, ref sawExpired, isRoot: false);
        }
    }

    private static void AddSubtree(TopicNode node, List<BrokerMessage> results, long now, ref bool sawExpired)
    {
        Add(node, results, now, ref sawExpired);
        if (node.Children is not null)
        {
            foreach (TopicNode child in node.Children.Values)
            {
                AddSubtree(child, results, now, ref sawExpired);
            }
        }
    }

    private static void Add(TopicNode node, List<BrokerMessage> results, long now, ref bool sawExpired)
    {
        if (node.Message is { } message)
        {
            if (message.IsExpired(now))
            {
                sawExpired = true;
            }
            else
            {
                results.Add(message);
            }
        }
    }

    private void RemoveExpired(long now)
    {
        _lock.EnterWriteLock();
        try
        {
            var expired = new List<TopicNode>();
            Collect(_root, expired, now);
            foreach (TopicNode node in expired)
            {
                node.Message = null;
                _count--;
                Prune(node);
            }
        }
        finally
        {
            _lock.ExitWriteLock();
        }

        static void Collect(TopicNode node, List<TopicNode> expired, long now)
        {
            if (node.Message is { } m && m.IsExpired(now))
            {
                expired.Add(node);
            }

            if (node.Children is not null)
            {
                foreach (TopicNode child in node.Children.Values)
                {
                    Collect(child, expired, now);
                }
            }
        }
    }

    private static void Prune(TopicNode node)
    {
        while (node.Parent is { } parent && node.Message is null && (node.Children is null || node.Children.Count == 0))
        {
            parent.Children!.Remove(node.Level);
            if (parent.Children.Count == 0)
            {
                parent.Children = null;
            }

            node = parent;
        }
    }

    private sealed class TopicNode(TopicNode? parent, string level)
    {
        public TopicNode? Parent { get; } = parent;
        public string Level { get; } = level;
        public Dictionary<string, TopicNode>? Children { get; set; }
        public BrokerMessage? Message { get; set; }
    }
}
