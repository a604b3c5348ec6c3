using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace ClusterBroker.Topics;

/// <summary>
/// The subscription index: one entry per (topic filter, subscriber), matched against topic names.
/// </summary>
/// <remarks>
/// <para><b>Shape.</b> A trie with one node per filter level. The root stands for "no level consumed";
/// the node reached by following the levels of a filter holds that filter's entries. Wildcards are
/// ordinary children named <c>+</c> and <c>#</c>, flagged on their parent so matching finds them
/// without a lookup. "a/+/c", "a/#" and "a/b" share the node "a".</para>
/// <para><b>Matching</b> (a depth-first walk over the topic's levels, never splitting the topic):
/// visiting node N with the topic's level L next,
/// <list type="number">
/// <item>N's <c>#</c> child matches now, whatever remains: "#" matches the parent level and any number
/// of further levels, so "a/#" matches "a" and "a/b/c";</item>
/// <item>if no level remains, N's own entries match (the filter ended exactly where the topic did);</item>
/// <item>otherwise continue with N's child named L (exact, looked up by span) and with N's <c>+</c>
/// child (one level, possibly empty), on the level after L.</item>
/// </list>
/// At the root, when the topic starts with <c>$</c>, the <c>+</c> and <c>#</c> children are skipped:
/// filters starting with a wildcard do not match $-topics [MQTT-4.7.2-1]; "$SYS/#" still matches
/// "$SYS/x" through the exact child "$SYS". Levels are compared ordinally, never normalized
/// [MQTT-4.7.3-4]. A level spelled <c>+</c> or <c>#</c> in a topic (invalid) is never looked up as a
/// literal child. The work is proportional to the number of levels times the number of wildcard
/// branches alive, not to the number of filters; each entry is reported once because each filter
/// has exactly one node.</para>
/// <para><b>Memory.</b> A node does not own a string for its level: it points into a filter string
/// (the first one that created it, replaced by the node's own filter once it holds entries, so the
/// filter reported to the collector is that same string) with an offset and a length. Children are
/// held inline while there is one and in a <see cref="HashSet{T}"/> of nodes keyed by their level
/// (with a <see cref="ReadOnlySpan{T}"/> alternate lookup, so matching allocates nothing) from the
/// second on; one subscriber is held inline and a <see cref="Dictionary{TKey, TValue}"/> is used from the
/// second on. Both shrink back when they drop to one. Removing an entry prunes every node left without
/// entries and children, up to the root, so removed branches cost nothing. (A surviving node may keep
/// alive the filter string it was created from: at most one string per live node, never more.)
/// Measured: about 167 bytes per exact filter at 10^6 filters, filter and subscriber strings excluded
/// (loadtests/RESULTS.md).</para>
/// <para><b>Filters</b> must be valid (<see cref="TopicValidator.ValidateTopicFilter(ReadOnlySpan{char})"/>),
/// with any <c>$share/{group}/</c> or <c>$queue/</c> prefix removed; the trie does not validate.</para>
/// <para><b>Thread safety.</b> Not thread-safe. One writer at a time, and no reader while it writes:
/// callers lock (a reader-writer lock lets several <c>Match</c> calls run together, since matching
/// changes no state). Collectors must not modify the trie while it is matching.</para>
/// </remarks>
/// <typeparam name="TKey">The subscriber key (e.g. a client id or session reference).</typeparam>
/// <typeparam name="TValue">The value kept per entry (e.g. subscription options).</typeparam>
public sealed class SubscriptionTrie<TKey, TValue>
    where TKey : notnull
{
    private readonly IEqualityComparer<TKey>? _subscriberComparer;
    private readonly List<Node> _path = new();
    private Node _root = Node.CreateRoot();
    private int _count;
    private int _filterCount;
    private int _nodeCount;

    /// <summary>Creates an empty trie comparing subscribers with the default comparer.</summary>
    public SubscriptionTrie()
        : this(null)
    {
    }

    /// <summary>Creates an empty trie comparing subscribers with <paramref name="subscriberComparer"/>.</summary>
    public SubscriptionTrie(IEqualityComparer<TKey>? subscriberComparer)
    {
        _subscriberComparer = subscriberComparer is null || ReferenceEquals(subscriberComparer, EqualityComparer<TKey>.Default) ? null : subscriberComparer;
    }

    /// <summary>The number of (filter, subscriber) entries.</summary>
    public int Count => _count;

    /// <summary>The number of distinct filters with at least one entry.</summary>
    public int FilterCount => _filterCount;

    /// <summary>The number of nodes, the root excluded: 0 when the trie is empty (pruning is complete).</summary>
    public int NodeCount => _nodeCount;

    /// <summary>Adds the entry (filter, subscriber) or replaces its value.</summary>
    /// <returns>True when the entry is new, false when an existing entry's value was replaced.</returns>
    public bool AddOrUpdate(string filter, TKey subscriber, TValue value)
    {
        ArgumentNullException.ThrowIfNull(filter);
        ThrowIfNull(subscriber);
        Node node = _root;
        int start = 0;
        while (true)
        {
            int end = filter.IndexOf('/', start);
            if (end < 0)
            {
                end = filter.Length;
            }

            node = node.GetOrAddChild(filter, start, end - start, ref _nodeCount);
            if (end == filter.Length)
            {
                break;
            }

            start = end + 1;
        }

        bool hadEntries = node.HasEntries;
        if (!node.AddOrUpdateEntry(filter, subscriber, value, _subscriberComparer))
        {
            return false;
        }

        _count++;
        if (!hadEntries)
        {
            _filterCount++;
        }

        return true;
    }

    /// <summary>Removes the entry (filter, subscriber), pruning nodes left empty up to the root.</summary>
    /// <returns>True when the entry existed.</returns>
    public bool Remove(string filter, TKey subscriber)
    {
        ArgumentNullException.ThrowIfNull(filter);
        ThrowIfNull(subscriber);
        List<Node> path = _path;
        try
        {
            Node? node = _root;
            int start = 0;
            while (true)
            {
                path.Add(node);
                int end = filter.IndexOf('/', start);
                if (end < 0)
                {
                    end = filter.Length;
                }

                node = node.FindChild(filter.AsSpan(start, end - start));
                if (node is null)
                {
                    return false;
                }

                if (end == filter.Length)
                {
                    break;
                }

                start = end + 1;
            }

            if (!node.RemoveEntry(subscriber, _subscriberComparer))
            {
                return false;
            }

            _count--;
            if (node.HasEntries)
            {
                return true;
            }

            _filterCount--;

            // Prune: walk back up while the node holds nothing.
            for (int i = path.Count - 1; i >= 0 && node.IsEmpty; i--)
            {
                Node parent = path[i];
                parent.RemoveChild(node);
                _nodeCount--;
                node = parent;
            }

            return true;
        }
        finally
        {
            path.Clear();
        }
    }

    /// <summary>True when the entry (filter, subscriber) exists.</summary>
    public bool Contains(string filter, TKey subscriber) => TryGetValue(filter, subscriber, out _);

    /// <summary>Gets the value of the entry (filter, subscriber).</summary>
    public bool TryGetValue(string filter, TKey subscriber, [MaybeNullWhen(false)] out TValue value)
    {
        ArgumentNullException.ThrowIfNull(filter);
        ThrowIfNull(subscriber);
        Node? node = FindNode(filter);
        if (node is null)
        {
            value = default;
            return false;
        }

        return node.TryGetEntry(subscriber, _subscriberComparer, out value);
    }

    /// <summary>True when the filter has at least one entry.</summary>
    public bool ContainsFilter(string filter)
    {
        ArgumentNullException.ThrowIfNull(filter);
        return FindNode(filter)?.HasEntries == true;
    }

    /// <summary>Removes every entry.</summary>
    public void Clear()
    {
        _root = Node.CreateRoot();
        _count = 0;
        _filterCount = 0;
        _nodeCount = 0;
    }

    /// <summary>
    /// Reports every entry whose filter matches <paramref name="topic"/> to <paramref name="collector"/>.
    /// With a struct collector this allocates nothing.
    /// </summary>
    public void Match<TCollector>(ReadOnlySpan<char> topic, ref TCollector collector)
        where TCollector : ITrieMatchCollector<TKey, TValue>
    {
        Node root = _root;
        if (!root.HasChildren)
        {
            return;
        }

        bool dollar = topic.Length > 0 && topic[0] == '$';
        if (!dollar)
        {
            root.HashChild?.Emit(ref collector);
        }

        MatchChildren(root, topic, 0, allowWildcards: !dollar, 0, ref collector);
    }

    /// <summary>Reports every entry whose filter matches <paramref name="topic"/> to <paramref name="collector"/>.</summary>
    public void Match(ReadOnlySpan<char> topic, ITrieMatchCollector<TKey, TValue> collector)
    {
        ArgumentNullException.ThrowIfNull(collector);
        Match(topic, ref collector);
    }

    /// <summary>Appends every entry whose filter matches <paramref name="topic"/> to <paramref name="results"/> (a convenience).</summary>
    public void Match(ReadOnlySpan<char> topic, List<TrieMatch<TKey, TValue>> results)
    {
        ArgumentNullException.ThrowIfNull(results);
        var collector = new ListCollector(results);
        Match(topic, ref collector);
    }

    private static void MatchChildren<TCollector>(Node node, ReadOnlySpan<char> topic, int start, bool allowWildcards, int depth, ref TCollector collector)
        where TCollector : ITrieMatchCollector<TKey, TValue>
    {
        // Deep filters (thousands of levels) would otherwise overflow the stack: fail with an exception instead.
        if ((depth & 63) == 63)
        {
            RuntimeHelpers.EnsureSufficientExecutionStack();
        }

        int end = topic[start..].IndexOf('/');
        bool last = end < 0;
        end = last ? topic.Length : start + end;
        ReadOnlySpan<char> level = topic[start..end];

        if (!IsWildcardLevel(level))
        {
            Node? exact = node.FindChild(level);
            if (exact is not null)
            {
                Visit(exact, topic, end, last, depth, ref collector);
            }
        }

        if (allowWildcards)
        {
            Node? plus = node.PlusChild;
            if (plus is not null)
            {
                Visit(plus, topic, end, last, depth, ref collector);
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Visit<TCollector>(Node node, ReadOnlySpan<char> topic, int levelEnd, bool last, int depth, ref TCollector collector)
        where TCollector : ITrieMatchCollector<TKey, TValue>
    {
        node.HashChild?.Emit(ref collector);
        if (last)
        {
            node.Emit(ref collector);
        }
        else if (node.HasChildren)
        {
            MatchChildren(node, topic, levelEnd + 1, allowWildcards: true, depth + 1, ref collector);
        }
    }

    // "is null" on a generic value is folded away by the JIT for value types (no boxing, unlike ThrowIfNull(object)).
    private static void ThrowIfNull(TKey subscriber)
    {
        if (subscriber is null)
        {
            throw new ArgumentNullException(nameof(subscriber));
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool IsWildcardLevel(ReadOnlySpan<char> level) => level.Length == 1 && (level[0] == '+' || level[0] == '#');

    private Node? FindNode(string filter)
    {
        Node? node = _root;
        int start = 0;
        while (true)
        {
            int end = filter.IndexOf('/', start);
            if (end < 0)
            {
                end = filter.Length;
            }

            node = node.FindChild(filter.AsSpan(start, end - start));
            if (node is null || end == filter.Length)
            {
                return node;
            }

            start = end + 1;
        }
    }

    private readonly struct ListCollector(List<TrieMatch<TKey, TValue>> results) : ITrieMatchCollector<TKey, TValue>
    {
        public void OnMatch(string filter, TKey subscriber, TValue value) => results.Add(new TrieMatch<TKey, TValue>(filter, subscriber, value));
    }

    /// <summary>
    /// A trie node: its level (a slice of <see cref="_source"/>), its children (null, one inline
    /// <see cref="Node"/>, or a <see cref="HashSet{T}"/> of nodes) and its entries (none, one inline, or a
    /// <see cref="Dictionary{TKey, TValue}"/>).
    /// </summary>
    private sealed class Node
    {
        private const byte SingleEntryFlag = 1;
        private const byte PlusChildFlag = 2;
        private const byte HashChildFlag = 4;

        // A filter passing through this node; the level is _source[_start.._start+_length]. Once the node
        // holds entries it is the node's own filter (then _start + _length == _source.Length).
        private string _source;
        private readonly int _start;
        private readonly int _length;
        private object? _children;
        private Dictionary<TKey, TValue>? _entries;
        private TKey _subscriber = default!;
        private TValue _value = default!;
        private byte _flags;

        private Node(string source, int start, int length)
        {
            _source = source;
            _start = start;
            _length = length;
        }

        public ReadOnlySpan<char> Level => _source.AsSpan(_start, _length);

        public bool HasEntries => (_flags & SingleEntryFlag) != 0 || _entries is not null;

        public bool HasChildren => _children is not null;

        public bool IsEmpty => _children is null && !HasEntries;

        public Node? PlusChild => (_flags & PlusChildFlag) != 0 ? FindChild("+") : null;

        public Node? HashChild => (_flags & HashChildFlag) != 0 ? FindChild("#") : null;

        public static Node CreateRoot() => new(string.Empty, 0, 0);

        public Node? FindChild(ReadOnlySpan<char> level)
        {
            object? children = _children;
            if (children is null)
            {
                return null;
            }

            if (children is Node single)
            {
                return single.Level.SequenceEqual(level) ? single : null;
            }

            HashSet<Node> set = Unsafe.As<HashSet<Node>>(children);
            return set.GetAlternateLookup<ReadOnlySpan<char>>().TryGetValue(level, out Node? found) ? found : null;
        }

        public Node GetOrAddChild(string filter, int start, int length, ref int nodeCount)
        {
            ReadOnlySpan<char> level = filter.AsSpan(start, length);
            Node? child = FindChild(level);
            if (child is not null)
            {
                return child;
            }

            child = new Node(filter, start, length);
            switch (_children)
            {
                case null:
                    _children = child;
                    break;
                case Node single:
                    _children = new HashSet<Node>(2, NodeLevelComparer.Instance) { single, child };
                    break;
                default:
                    Unsafe.As<HashSet<Node>>(_children).Add(child);
                    break;
            }

            _flags |= WildcardFlag(level);
            nodeCount++;
            return child;
        }

        public void RemoveChild(Node child)
        {
            if (_children is Node)
            {
                _children = null;
            }
            else if (_children is not null)
            {
                HashSet<Node> set = Unsafe.As<HashSet<Node>>(_children);
                set.Remove(child);
                if (set.Count == 1)
                {
                    foreach (Node remaining in set)
                    {
                        _children = remaining;
                    }
                }
            }

            _flags &= (byte)~WildcardFlag(child.Level);
        }

        public bool AddOrUpdateEntry(string filter, TKey subscriber, TValue value, IEqualityComparer<TKey>? comparer)
        {
            if ((_flags & SingleEntryFlag) != 0)
            {
                if (KeyEquals(_subscriber, subscriber, comparer))
                {
                    _value = value;
                    return false;
                }

                _entries = new Dictionary<TKey, TValue>(2, comparer) { [_subscriber] = _value, [subscriber] = value };
                _subscriber = default!;
                _value = default!;
                _flags &= unchecked((byte)~SingleEntryFlag);
                return true;
            }

            if (_entries is not null)
            {
                ref TValue? slot = ref CollectionsMarshal.GetValueRefOrAddDefault(_entries, subscriber, out bool exists);
                slot = value;
                return !exists;
            }

            // The first entry: from now on _source is this node's own filter.
            _source = filter;
            _subscriber = subscriber;
            _value = value;
            _flags |= SingleEntryFlag;
            return true;
        }

        public bool RemoveEntry(TKey subscriber, IEqualityComparer<TKey>? comparer)
        {
            if ((_flags & SingleEntryFlag) != 0)
            {
                if (!KeyEquals(_subscriber, subscriber, comparer))
                {
                    return false;
                }

                _subscriber = default!;
                _value = default!;
                _flags &= unchecked((byte)~SingleEntryFlag);
                return true;
            }

            if (_entries is null || !_entries.Remove(subscriber))
            {
                return false;
            }

            if (_entries.Count == 1)
            {
                foreach (KeyValuePair<TKey, TValue> remaining in _entries)
                {
                    _subscriber = remaining.Key;
                    _value = remaining.Value;
                }

                _entries = null;
                _flags |= SingleEntryFlag;
            }

            return true;
        }

        public bool TryGetEntry(TKey subscriber, IEqualityComparer<TKey>? comparer, [MaybeNullWhen(false)] out TValue value)
        {
            if ((_flags & SingleEntryFlag) != 0 && KeyEquals(_subscriber, subscriber, comparer))
            {
                value = _value;
                return true;
            }

            if (_entries is not null)
            {
                return _entries.TryGetValue(subscriber, out value);
            }

            value = default;
            return false;
        }

        public void Emit<TCollector>(ref TCollector collector)
            where TCollector : ITrieMatchCollector<TKey, TValue>
        {
            if ((_flags & SingleEntryFlag) != 0)
            {
                collector.OnMatch(_source, _subscriber, _value);
            }
            else if (_entries is not null)
            {
                foreach (KeyValuePair<TKey, TValue> entry in _entries)
                {
                    collector.OnMatch(_source, entry.Key, entry.Value);
                }
            }
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static bool KeyEquals(TKey a, TKey b, IEqualityComparer<TKey>? comparer) =>
            comparer is null ? EqualityComparer<TKey>.Default.Equals(a, b) : comparer.Equals(a, b);

        private static byte WildcardFlag(ReadOnlySpan<char> level) =>
            level.Length != 1 ? (byte)0 : level[0] switch
            {
                '+' => PlusChildFlag,
                '#' => HashChildFlag,
                _ => (byte)0,
            };
    }

    /// <summary>Compares nodes by level, and looks them up by a level span.</summary>
    private sealed class NodeLevelComparer : IEqualityComparer<Node>, IAlternateEqualityComparer<ReadOnlySpan<char>, Node>
    {
        public static readonly NodeLevelComparer Instance = new();

        public bool Equals(Node? x, Node? y) => ReferenceEquals(x, y) || (x is not null && y is not null && x.Level.SequenceEqual(y.Level));

        public int GetHashCode(Node obj) => string.GetHashCode(obj.Level);

        public bool Equals(ReadOnlySpan<char> alternate, Node other) => alternate.SequenceEqual(other.Level);

        public int GetHashCode(ReadOnlySpan<char> alternate) => string.GetHashCode(alternate);

        public Node Create(ReadOnlySpan<char> alternate) => throw new NotSupportedException("Nodes are added with their filter, never from a span.");
    }
}
