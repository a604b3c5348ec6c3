using ClusterBroker.Core.Routing;

namespace ClusterBroker.Core.Channel;

/// <summary>
/// The single owner of the packet identifiers of one connection's outgoing QoS 1/2 messages: allocates an
/// identifier not in use ([MQTT-2.2.1-3]), remembers each message until its flow completes (PUBACK, or
/// PUBREC then PUBCOMP), and frees the identifier then ([MQTT-4.3.3-...]). Keeps the send order for
/// redelivery with DUP on reconnect ([MQTT-4.4.0-1]). Not thread-safe (the connection's executor only);
/// its storage is allocated on first use.
/// </summary>
public sealed class OutboundInflight
{
    private Dictionary<ushort, Entry>? _entries;
    private ushort _lastId;
    private long _sequence;

    public int Count => _entries?.Count ?? 0;

    /// <summary>Allocates a free identifier and records the message as sent and unacknowledged.</summary>
    public ushort Add(in Delivery delivery)
    {
        _entries ??= new Dictionary<ushort, Entry>();
        if (_entries.Count >= ushort.MaxValue)
        {
            throw new InvalidOperationException("All 65535 packet identifiers are in use.");
        }

        ushort id = _lastId;
        do
        {
            id = id == ushort.MaxValue ? (ushort)1 : (ushort)(id + 1);
        }
        while (_entries.ContainsKey(id));

        _lastId = id;
        _entries.Add(id, new Entry(delivery, ++_sequence));
        return id;
    }

    /// <summary>Records a message resent under its old identifier (redelivery after reconnect).</summary>
    public void Restore(ushort id, in Delivery delivery, bool released)
    {
        _entries ??= new Dictionary<ushort, Entry>();
        _entries[id] = new Entry(delivery, ++_sequence) { Released = released };
    }

    public bool TryGet(ushort id, out Delivery delivery, out bool released)
    {
        if (_entries is not null && _entries.TryGetValue(id, out Entry? entry))
        {
            delivery = entry.Delivery;
            released = entry.Released;
            return true;
        }

        delivery = default;
        released = false;
        return false;
    }

    /// <summary>PUBREC arrived: the message is not sent again, only PUBREL.</summary>
    public bool MarkReleased(ushort id)
    {
        if (_entries is not null && _entries.TryGetValue(id, out Entry? entry))
        {
            entry.Released = true;
            return true;
        }

        return false;
    }

    /// <summary>The flow completed (or the message was not sent): frees the identifier.</summary>
    public bool Remove(ushort id)
    {
        if (_entries is null || !_entries.Remove(id))
        {
            return false;
        }

        if (_entries.Count == 0)
        {
            _entries = null;
        }

        return true;
    }

    /// <summary>The unacknowledged messages in send order, and clears.</summary>
    public List<(ushort PacketId, Delivery Delivery, bool Released)> TakeAll()
    {
        var result = new List<(ushort, Delivery, bool, long)>(Count);
        if (_entries is not null)
        {
            foreach (KeyValuePair<ushort, Entry> pair in _entries)
            {
                result.Add((pair.Key, pair.Value.Delivery, pair.Value.Released, pair.Value.Sequence));
            }
        }

        result.Sort(static (a, b) => a.Item4.CompareTo(b.Item4));
        _entries = null;
        var ordered = new List<(ushort, Delivery, bool)>(result.Count);
        foreach ((ushort id, Delivery d, bool released, long _) in result)
        {
            ordered.Add((id, d, released));
        }

        return ordered;
    }

    private sealed class Entry(Delivery delivery, long sequence)
    {
        public Delivery Delivery { get; } = delivery;
        public long Sequence { get; } = sequence;
        public bool Released { get; set; }
    }
}
