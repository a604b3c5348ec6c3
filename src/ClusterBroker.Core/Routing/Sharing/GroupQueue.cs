using ClusterBroker.Core.Messages;

namespace ClusterBroker.Core.Routing.Sharing;

/// <summary>
/// The QoS 1/2 messages of a shared group that found no online member on this node (nor on another node), waiting
/// for the next member that comes online or joins. Bounded: at the limit the oldest message is dropped (the caller
/// counts and logs it). A lock, not a lock-free queue: it is touched only when no member is online.
/// </summary>
public sealed class GroupQueue(int limit)
{
    private readonly Queue<BrokerMessage> _messages = new();

    public int Count
    {
        get
        {
            lock (_messages)
            {
                return _messages.Count;
            }
        }
    }

    /// <summary>Adds the message; returns the message dropped to make room (the oldest), or null.</summary>
    public BrokerMessage? Enqueue(BrokerMessage message)
    {
        lock (_messages)
        {
            if (limit <= 0)
            {
                return message;
            }

            BrokerMessage? dropped = _messages.Count >= limit ? _messages.Dequeue() : null;
            _messages.Enqueue(message);
            return dropped;
        }
    }

    public bool TryPeek(out BrokerMessage message)
    {
        lock (_messages)
        {
            return _messages.TryPeek(out message!);
        }
    }

    public bool TryDequeue(out BrokerMessage message)
    {
        lock (_messages)
        {
            return _messages.TryDequeue(out message!);
        }
    }

    /// <summary>Takes every message out (the group ends on this node).</summary>
    public BrokerMessage[] TakeAll()
    {
        lock (_messages)
        {
            BrokerMessage[] all = _messages.ToArray();
            _messages.Clear();
            return all;
        }
    }
}
