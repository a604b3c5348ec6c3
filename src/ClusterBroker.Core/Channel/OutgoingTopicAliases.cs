namespace ClusterBroker.Core.Channel;

/// <summary>
/// The topic aliases the broker uses towards one 5.0 client (MQTT 5.0 section 3.3.2.3.4): a topic gets an alias the
/// first time it is sent while the client's alias space has room; when it is full, the least recently used alias is
/// given to the new topic. The first PUBLISH with an alias carries the topic as well (the client learns the mapping),
/// later ones only the alias and an empty topic. Aliases run from 1 to the maximum ([MQTT-3.3.2-10]).
/// </summary>
/// <remarks>
/// Per connection and not thread-safe (the connection's executor only); aliases never outlive the connection
/// ([MQTT-3.3.2-7]). One dictionary lookup per PUBLISH; the least-recently-used order is a doubly linked list
/// threaded through two arrays indexed by alias, so a hit, an assignment and an eviction each cost O(1) and
/// allocate nothing once the arrays have grown (they grow with the aliases in use, not to the maximum at once).
/// </remarks>
public sealed class OutgoingTopicAliases
{
    private readonly ushort _maximum;
    private readonly Dictionary<string, ushort> _byTopic = new(StringComparer.Ordinal);
    private string?[] _topics = new string?[5];
    private ushort[] _newer = new ushort[5];
    private ushort[] _older = new ushort[5];
    private ushort _assigned;
    private ushort _newest;
    private ushort _oldest;

    public OutgoingTopicAliases(ushort maximum)
    {
        ArgumentOutOfRangeException.ThrowIfZero(maximum);
        _maximum = maximum;
    }

    /// <summary>Aliases mapped to a topic now.</summary>
    public int Count => _byTopic.Count;

    /// <summary>
    /// The alias for <paramref name="topic"/>, now its most recently used one. <paramref name="known"/> is true when
    /// the client already knows the mapping (send the alias alone), false when it was assigned now (send the topic too).
    /// </summary>
    public ushort Get(string topic, out bool known)
    {
        if (_byTopic.TryGetValue(topic, out ushort alias))
        {
            known = true;
            MakeNewest(alias);
            return alias;
        }

        known = false;
        if (_assigned < _maximum)
        {
            alias = ++_assigned;
            Grow(alias);
        }
        else
        {
            // Full: the least recently used alias (or one freed by Forget, kept at the old end) is mapped anew.
            alias = _oldest;
            Unlink(alias);
            if (_topics[alias] is { } previous)
            {
                _byTopic.Remove(previous);
            }
        }

        _topics[alias] = topic;
        _byTopic.Add(topic, alias);
        LinkNewest(alias);
        return alias;
    }

    /// <summary>
    /// The PUBLISH that was to set <paramref name="alias"/> was not sent (too large for the client): the client never
    /// learnt the mapping, so the alias is free again (the next to be reused).
    /// </summary>
    public void Forget(ushort alias)
    {
        if (alias == 0 || alias > _assigned || _topics[alias] is not { } topic)
        {
            return;
        }

        _byTopic.Remove(topic);
        _topics[alias] = null;
        Unlink(alias);
        LinkOldest(alias);
    }

    private void Grow(ushort alias)
    {
        if (alias < _topics.Length)
        {
            return;
        }

        int length = Math.Min(_maximum + 1, _topics.Length * 2);
        Array.Resize(ref _topics, length);
        Array.Resize(ref _newer, length);
        Array.Resize(ref _older, length);
    }

    private void MakeNewest(ushort alias)
    {
        if (_newest == alias)
        {
            return;
        }

        Unlink(alias);
        LinkNewest(alias);
    }

    private void Unlink(ushort alias)
    {
        ushort newer = _newer[alias];
        ushort older = _older[alias];
        if (newer != 0)
        {
            _older[newer] = older;
        }
        else if (_newest == alias)
        {
            _newest = older;
        }

        if (older != 0)
        {
            _newer[older] = newer;
        }
        else if (_oldest == alias)
        {
            _oldest = newer;
        }

        _newer[alias] = 0;
        _older[alias] = 0;
    }

    private void LinkNewest(ushort alias)
    {
        _older[alias] = _newest;
        _newer[alias] = 0;
        if (_newest != 0)
        {
            _newer[_newest] = alias;
        }

        _newest = alias;
        if (_oldest == 0)
        {
            _oldest = alias;
        }
    }

    private void LinkOldest(ushort alias)
    {
        _newer[alias] = _oldest;
        _older[alias] = 0;
        if (_oldest != 0)
        {
            _older[_oldest] = alias;
        }

        _oldest = alias;
        if (_newest == 0)
        {
            _newest = alias;
        }
    }
}
