using Akka.Actor;
using ClusterBroker.Cluster.Messages;

namespace ClusterBroker.Cluster.Serialization;

/// <summary>
/// Puts <see cref="MessagePart"/>s back together (one instance per receiving actor). Parts of one transfer
/// arrive in order from one sender; a transfer whose sender vanished mid-way is dropped after
/// <see cref="AbandonAfter"/> so its buffer does not stay in memory.
/// </summary>
public sealed class MessagePartAssembler(ExtendedActorSystem system)
{
    public static readonly TimeSpan AbandonAfter = TimeSpan.FromMinutes(2);

    private readonly Dictionary<long, Transfer> _transfers = new();

    /// <summary>Adds the part; returns the whole message when it was the last one, else null.</summary>
    public object? Add(MessagePart part)
    {
        DropAbandoned();
        if (!_transfers.TryGetValue(part.TransferId, out Transfer? transfer))
        {
            if (part.Index != 0)
            {
                return null; // the beginning was lost (the sender restarted): nothing usable
            }

            transfer = new Transfer();
            _transfers.Add(part.TransferId, transfer);
        }

        if (part.Index != transfer.NextIndex)
        {
            _transfers.Remove(part.TransferId);
            return null;
        }

        transfer.Buffer.Write(part.Chunk);
        transfer.NextIndex++;
        if (!part.Last)
        {
            return null;
        }

        _transfers.Remove(part.TransferId);
        return system.Serialization.Deserialize(transfer.Buffer.ToArray(), ClusterBrokerSerializer.SerializerId, part.Manifest);
    }

    private void DropAbandoned()
    {
        if (_transfers.Count == 0)
        {
            return;
        }

        DateTime now = DateTime.UtcNow;
        List<long>? stale = null;
        foreach ((long id, Transfer transfer) in _transfers)
        {
            if (now - transfer.Started > AbandonAfter)
            {
                (stale ??= new List<long>()).Add(id);
            }
        }

        if (stale is not null)
        {
            foreach (long id in stale)
            {
                _transfers.Remove(id);
            }
        }
    }

    private sealed class Transfer
    {
        public MemoryStream Buffer { get; } = new();

        public int NextIndex { get; set; }

        public DateTime Started { get; } = DateTime.UtcNow;
    }
}
