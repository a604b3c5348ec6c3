using System.Diagnostics;

namespace ClusterBroker.Core.Routing;

/// <summary>
/// The identities (<see cref="Messages.BrokerMessage.Id"/>) of the QoS 1/2 messages other nodes forwarded to this one that
/// reached a persistent session here, with when they arrived, for as long as a crashed node's publish journal can route
/// them again. When the publisher's node dies, a survivor replays what it journaled; a persistent session of this node
/// whose subscriptions were all in place before the original copy arrived had that copy (delivered, or queued in its
/// session), so the replayed one is a repeat and is not delivered (<see cref="NodeRouter"/>). A session that subscribed,
/// or came to this node, after that moment gets the replayed copy: at least once, never less.
/// </summary>
/// <remarks>
/// At most <see cref="MaxEntries"/> identities are kept (the oldest go first); one that was forgotten early only means
/// its replay may come twice, the guarantee of the journal without this index.
/// </remarks>
public sealed class ReceivedForwards(TimeSpan window)
{
    /// <summary>The most identities remembered at once (about 40 bytes each).</summary>
    public const int MaxEntries = 2_000_000;

    private readonly long _windowTicks = (long)(window.TotalSeconds * Stopwatch.Frequency);
    private readonly object _lock = new();
    private readonly Dictionary<ulong, long> _arrivedAt = new();
    private readonly Queue<(long At, ulong Id)> _order = new();

    /// <summary>Identities currently remembered.</summary>
    public int Count
    {
        get
        {
            lock (_lock)
            {
                return _arrivedAt.Count;
            }
        }
    }

    /// <summary>The message arrived now (a <see cref="Stopwatch"/> timestamp).</summary>
    public void Record(ulong id, long now)
    {
        lock (_lock)
        {
            Trim(now);
            if (_order.Count >= MaxEntries)
            {
                Forget(_order.Dequeue());
            }

            _arrivedAt[id] = now;
            _order.Enqueue((now, id));
        }
    }

    /// <summary>When the message with this identity arrived here, if it did within the window.</summary>
    public bool TryGetArrival(ulong id, long now, out long arrivedAt)
    {
        lock (_lock)
        {
            Trim(now);
            return _arrivedAt.TryGetValue(id, out arrivedAt);
        }
    }

    private void Trim(long now)
    {
        while (_order.TryPeek(out (long At, ulong Id) oldest) && now - oldest.At > _windowTicks)
        {
            Forget(_order.Dequeue());
        }
    }

    private void Forget((long At, ulong Id) entry)
    {
        // A later arrival of the same identity (a second forward) keeps its own, later entry.
        if (_arrivedAt.TryGetValue(entry.Id, out long at) && at == entry.At)
        {
            _arrivedAt.Remove(entry.Id);
        }
    }
}
