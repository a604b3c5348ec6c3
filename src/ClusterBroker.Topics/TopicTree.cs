using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;

namespace ClusterBroker.Topics;

/// <summary>
/// At most one value per topic name, found by topic filter: the index of retained messages.
/// </summary>
/// <remarks>
/// <para><b>Shape.</b> A tree with one node per topic level; the node reached by following a topic's levels
/// holds that topic's value. The opposite of <see cref="SubscriptionTrie{TKey, TValue}"/>: there filters are
/// stored and a topic is matched, here topics are stored and a filter is matched.</para>
/// <para><b>Matching</b> walks the filter level by level from the root: a literal level follows one child
/// (looked up by span, no allocation), <c>+</c> follows every child, <c>#</c> takes the node it is reached at
/// ("a/#" matches "a") and its whole subtree. At the root, <c>+</c> and <c>#</c> skip the children whose
/// level starts with <c>$</c>: filters starting with a wildcard do not match $-topics [MQTT-4.7.2-1].
/// Levels are compared ordinally [MQTT-4.7.3-4].</para>
/// <para><b>Depth.</b> Every walk (matching, subtree enumeration, pruning) is a loop over an explicit stack,
/// never a recursion: a topic of 65,535 '/' characters (65,536 empty levels, allowed when
/// MaxTopicLevels is 0) is one path of 65,536 nodes, and matching "#" against it must not overflow the
/// thread's stack. The explicit stack is cached per thread, so matching allocates nothing once warm.</para>
/// <para><b>Memory.</b> A node holds no string of its own: its level is a slice of the topic that created it
/// (so a node may keep alive one topic string after that topic was removed; at most one per live node).
/// Children are held inline while there is one and in a <see cref="HashSet{T}"/> (span-keyed) from the second
/// on. Removing a value prunes every node left without value and children, up to the root.</para>
/// <para><b>Thread safety.</b> None: one writer and no reader while it writes (callers lock; several
/// <see cref="Match"/> calls may run together).</para>
/// </remarks>
/// <typeparam name="TValue">The value kept per topic (a retained message, or an index entry).</typeparam>
public sealed class TopicTree<TValue>
    where TValue : class
{
    /// <summary>Frames kept in the per-thread stack cache beyond which it is dropped after use (a huge walk should not pin memory).</summary>
    private const int CachedStackLimit = 4096;

    [ThreadStatic]
    private static Stack<Frame>? t_frames;

    private readonly Node _root = new(string.Empty, 0, 0, null);
    private int _count;

    /// <summary>Number of topics holding a value.</summary>
    public int Count => _count;

    /// <summary>Stores the value of the topic; true when the topic had none before.</summary>
    public bool Set(string topic, TValue value) => Set(topic, value, out _);

    /// <summary>Stores the value of the topic and returns the one it replaces; true when the topic had none before.</summary>
    public bool Set(string topic, TValue value, out TValue? previous)
    {
        ArgumentNullException.ThrowIfNull(topic);
        ArgumentNullException.ThrowIfNull(value);
        Node node = _root;
        int start = 0;
        while (true)
        {
            int slash = topic.IndexOf('/', start);
            int end = slash < 0 ? topic.Length : slash;
            node = node.GetOrAddChild(topic, start, end - start);
            if (slash < 0)
            {
                break;
            }

            start = slash + 1;
        }

        previous = node.Value;
        node.Value = value;
        if (previous is null)
        {
            _count++;
            return true;
        }

        return false;
    }

    /// <summary>The value of exactly this topic.</summary>
    public bool TryGet(ReadOnlySpan<char> topic, [MaybeNullWhen(false)] out TValue value)
    {
        Node? node = Find(topic);
        value = node?.Value;
        return value is not null;
    }

    /// <summary>Removes the value of the topic; true (with the value) when it had one.</summary>
    public bool Remove(ReadOnlySpan<char> topic, [MaybeNullWhen(false)] out TValue removed)
    {
        Node? node = Find(topic);
        removed = node?.Value;
        if (removed is null)
        {
            return false;
        }

        node!.Value = null;
        _count--;
        Prune(node);
        return true;
    }

    /// <summary>Removes the value of the topic only while it is <paramref name="expected"/> (reference equality).</summary>
    public bool RemoveIf(ReadOnlySpan<char> topic, TValue expected)
    {
        Node? node = Find(topic);
        if (node is null || !ReferenceEquals(node.Value, expected))
        {
            return false;
        }

        node.Value = null;
        _count--;
        Prune(node);
        return true;
    }

    /// <summary>Removes every value.</summary>
    public void Clear()
    {
        _root.ClearChildren();
        _count = 0;
    }

    /// <summary>Appends to <paramref name="results"/> the value of every topic that <paramref name="filter"/> (valid, no $share prefix) matches.</summary>
    public void Match(ReadOnlySpan<char> filter, List<TValue> results)
    {
        ArgumentNullException.ThrowIfNull(results);
        if (!_root.HasChildren)
        {
            return;
        }

        Stack<Frame> stack = RentStack();
        try
        {
            stack.Push(new Frame(_root, 0));
            while (stack.TryPop(out Frame frame))
            {
                Node node = frame.Node;
                bool atRoot = ReferenceEquals(node, _root);
                int start = frame.FilterStart;
                int slash = filter[start..].IndexOf('/');
                bool last = slash < 0;
                int end = last ? filter.Length : start + slash;
                ReadOnlySpan<char> level = filter[start..end];
                if (level is "#")
                {
                    // "#" also matches the level it follows ("a/#" matches "a"); never the root itself.
                    if (!atRoot && node.Value is { } own)
                    {
                        results.Add(own);
                    }

                    foreach (Node child in node.Children())
                    {
                        if (!(atRoot && child.StartsWithDollar))
                        {
                            AddSubtree(child, results, stack);
                        }
                    }

                    continue;
                }

                if (level is "+")
                {
                    foreach (Node child in node.Children())
                    {
                        if (!(atRoot && child.StartsWithDollar))
                        {
                            Visit(child, last, end, results, stack);
                        }
                    }
                }
                else if (node.FindChild(level) is { } exact)
                {
                    Visit(exact, last, end, results, stack);
                }
            }
        }
        finally
        {
            ReturnStack(stack);
        }
    }

    /// <summary>Appends every value to <paramref name="results"/> (in no particular order).</summary>
    public void CollectAll(List<TValue> results)
    {
        ArgumentNullException.ThrowIfNull(results);
        Stack<Frame> stack = RentStack();
        try
        {
            foreach (Node child in _root.Children())
            {
                AddSubtree(child, results, stack);
            }
        }
        finally
        {
            ReturnStack(stack);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Visit(Node child, bool lastLevel, int levelEnd, List<TValue> results, Stack<Frame> stack)
    {
        if (lastLevel)
        {
            if (child.Value is { } value)
            {
                results.Add(value);
            }
        }
        else
        {
            // Every node has a value or children (empty ones are pruned); a "#" next matches the node itself too.
            stack.Push(new Frame(child, levelEnd + 1));
        }
    }

    /// <summary>Adds the values of <paramref name="top"/> and everything below it, depth first, with the explicit stack.</summary>
    private static void AddSubtree(Node top, List<TValue> results, Stack<Frame> stack)
    {
        // Frames with FilterStart -1 are subtree nodes; they sit above the matching frames and are all popped here.
        stack.Push(new Frame(top, -1));
        while (stack.Count > 0 && stack.Peek().FilterStart == -1)
        {
            Node node = stack.Pop().Node;
            if (node.Value is { } value)
            {
                results.Add(value);
            }

            foreach (Node child in node.Children())
            {
                stack.Push(new Frame(child, -1));
            }
        }
    }

    private Node? Find(ReadOnlySpan<char> topic)
    {
        Node? node = _root;
        int start = 0;
        while (true)
        {
            int slash = topic[start..].IndexOf('/');
            int end = slash < 0 ? topic.Length : start + slash;
            node = node.FindChild(topic[start..end]);
            if (node is null || slash < 0)
            {
                return node;
            }

            start = end + 1;
        }
    }

    private static void Prune(Node node)
    {
        while (node.Parent is { } parent && node.Value is null && !node.HasChildren)
        {
            parent.RemoveChild(node);
            node = parent;
        }
    }

    private static Stack<Frame> RentStack()
    {
        Stack<Frame>? stack = t_frames;
        t_frames = null;
        return stack ?? new Stack<Frame>();
    }

    private static void ReturnStack(Stack<Frame> stack)
    {
        stack.Clear();
        if (stack.Capacity <= CachedStackLimit)
        {
            t_frames = stack;
        }
    }

    private readonly record struct Frame(Node Node, int FilterStart);

    /// <summary>A tree node: its level (a slice of a topic), its parent, its children (none, one inline, or a set) and its value.</summary>
    private sealed class Node(string source, int start, int length, Node? parent)
    {
        private readonly string _source = source;
        private readonly int _start = start;
        private readonly int _length = length;
        private object? _children;

        public Node? Parent { get; } = parent;

        public TValue? Value { get; set; }

        public ReadOnlySpan<char> Level => _source.AsSpan(_start, _length);

        public bool StartsWithDollar => _length > 0 && _source[_start] == '$';

        public bool HasChildren => _children is not null;

        public ChildEnumerable Children() => new(_children);

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

        public Node GetOrAddChild(string topic, int start, int length)
        {
            Node? child = FindChild(topic.AsSpan(start, length));
            if (child is not null)
            {
                return child;
            }

            child = new Node(topic, start, length, this);
            switch (_children)
            {
                case null:
                    _children = child;
                    break;
                case Node single:
                    _children = new HashSet<Node>(2, LevelComparer.Instance) { single, child };
                    break;
                default:
                    Unsafe.As<HashSet<Node>>(_children).Add(child);
                    break;
            }

            return child;
        }

        public void RemoveChild(Node child)
        {
            if (_children is Node)
            {
                _children = null;
                return;
            }

            if (_children is HashSet<Node> set)
            {
                set.Remove(child);
                if (set.Count == 1)
                {
                    foreach (Node remaining in set)
                    {
                        _children = remaining;
                    }
                }
            }
        }

        public void ClearChildren() => _children = null;
    }

    /// <summary>Enumerates a node's children without allocating (the inline child, or the set's struct enumerator).</summary>
    private readonly struct ChildEnumerable(object? children)
    {
        public ChildEnumerator GetEnumerator() => new(children);
    }

    private struct ChildEnumerator
    {
        private readonly Node? _single;
        private HashSet<Node>.Enumerator _set;
        private readonly bool _isSet;
        private bool _singleDone;

        public ChildEnumerator(object? children)
        {
            _single = children as Node;
            _isSet = children is HashSet<Node>;
            _set = _isSet ? Unsafe.As<HashSet<Node>>(children!).GetEnumerator() : default;
            _singleDone = _single is null;
            Current = null!;
        }

        public Node Current { get; private set; }

        public bool MoveNext()
        {
            if (_isSet)
            {
                if (_set.MoveNext())
                {
                    Current = _set.Current;
                    return true;
                }

                return false;
            }

            if (_singleDone)
            {
                return false;
            }

            _singleDone = true;
            Current = _single!;
            return true;
        }
    }

    /// <summary>Compares nodes by level, and finds a node by a level span (alternate lookup).</summary>
    private sealed class LevelComparer : IEqualityComparer<Node>, IAlternateEqualityComparer<ReadOnlySpan<char>, Node>
    {
        public static readonly LevelComparer Instance = new();

        public bool Equals(Node? x, Node? y) => ReferenceEquals(x, y) || (x is not null && y is not null && x.Level.SequenceEqual(y.Level));

        public int GetHashCode(Node obj) => string.GetHashCode(obj.Level);

        public bool Equals(ReadOnlySpan<char> alternate, Node other) => alternate.SequenceEqual(other.Level);

        public int GetHashCode(ReadOnlySpan<char> alternate) => string.GetHashCode(alternate);

        public Node Create(ReadOnlySpan<char> alternate) => throw new NotSupportedException("Nodes are added with their topic, never from a span.");
    }
}
