using Akka.Actor;
using Akka.Cluster;

namespace ClusterBroker.Cluster.Routing;

/// <summary>
/// Route deltas and snapshot parts that arrived from a node before this node's view of the cluster listed it: the
/// sender may see a new member Up a moment before this node's view does (and a joining node may hear from the others
/// before its view lists them). Kept in order, bounded, until that node's MemberUp, then applied; dropped if it leaves.
/// </summary>
internal sealed class EarlyRouteMessages
{
    /// <summary>At most this many are kept in all; beyond, they are dropped (the origin's next delta finds the gap and asks for a snapshot).</summary>
    public const int MaxMessages = 1_000;

    private readonly Dictionary<UniqueAddress, List<(object Message, IActorRef From)>> _byOrigin = new();
    private int _count;

    /// <summary>Keeps <paramref name="message"/> from <paramref name="origin"/>; false when full.</summary>
    public bool Keep(UniqueAddress origin, object message, IActorRef from)
    {
        if (_count >= MaxMessages)
        {
            return false;
        }

        if (!_byOrigin.TryGetValue(origin, out List<(object, IActorRef)>? kept))
        {
            kept = new List<(object, IActorRef)>();
            _byOrigin.Add(origin, kept);
        }

        kept.Add((message, from));
        _count++;
        return true;
    }

    /// <summary>What <paramref name="origin"/> sent before it was a member here, in arrival order (removed from here).</summary>
    public IReadOnlyList<(object Message, IActorRef From)> Take(UniqueAddress origin)
    {
        if (!_byOrigin.Remove(origin, out List<(object, IActorRef)>? kept))
        {
            return [];
        }

        _count -= kept.Count;
        return kept;
    }
}
