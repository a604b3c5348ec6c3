using System.Diagnostics.CodeAnalysis;
using ClusterBroker.Cluster.Messages;
using ClusterBroker.Core.Routing;

namespace ClusterBroker.Cluster.Routing;

/// <summary>
/// Where this node is in another node's stream of route updates: the sequence its routes here are at, whether a
/// snapshot is awaited after a gap, and the snapshot being assembled from its parts. Decides only; the replicator
/// applies, asks and answers. Pure, one per origin, used from the replicator actor alone.
/// </summary>
internal sealed class OriginRouteSequence
{
    private List<RouteKey>? _incoming;
    private long _incomingSequence;

    /// <summary>The origin's sequence this node's copy of its routes is at (the last delta applied, or the last snapshot).</summary>
    public long Current { get; private set; }

    /// <summary>A gap was seen and a snapshot asked for: deltas are ignored until its last part comes.</summary>
    public bool AwaitingSnapshot { get; private set; }

    /// <summary>A complete snapshot of the origin came (a joining node waits for one from every member).</summary>
    public bool Synced { get; private set; }

    /// <summary>What to do with <paramref name="delta"/>; on <see cref="DeltaVerdict.Gap"/> the origin now awaits a snapshot.</summary>
    public DeltaVerdict Judge(RouteDelta delta)
    {
        if (AwaitingSnapshot || delta.Sequence <= Current)
        {
            return DeltaVerdict.Ignore;
        }

        if (delta.Sequence != Current + 1)
        {
            AwaitingSnapshot = true;
            return DeltaVerdict.Gap;
        }

        return DeltaVerdict.Apply;
    }

    /// <summary>Records that <paramref name="delta"/>, judged <see cref="DeltaVerdict.Apply"/>, was applied.</summary>
    public void DeltaApplied(RouteDelta delta)
    {
        Current = delta.Sequence;
    }

    /// <summary>
    /// Adds <paramref name="part"/> to the snapshot being assembled; a part of another snapshot (another sequence) starts
    /// the assembly again. On the last part: true with the origin's complete route set (handed over, not kept here), and
    /// the origin is synced at the snapshot's sequence, no longer awaiting one.
    /// </summary>
    public bool AddSnapshotPart(RouteSnapshotPart part, [NotNullWhen(true)] out List<RouteKey>? routes)
    {
        if (_incoming is null || _incomingSequence != part.Sequence)
        {
            _incoming = new List<RouteKey>();
            _incomingSequence = part.Sequence;
        }

        _incoming.AddRange(part.Routes);
        if (!part.Last)
        {
            routes = null;
            return false;
        }

        routes = _incoming;
        _incoming = null;
        Current = part.Sequence;
        AwaitingSnapshot = false;
        Synced = true;
        return true;
    }
}

/// <summary>What the replicator does with a route delta (<see cref="OriginRouteSequence.Judge"/>).</summary>
internal enum DeltaVerdict
{
    /// <summary>The next in sequence: apply its changes, then record it (<see cref="OriginRouteSequence.DeltaApplied"/>).</summary>
    Apply,

    /// <summary>Already applied or covered by a snapshot, or a snapshot is awaited that will cover it.</summary>
    Ignore,

    /// <summary>Deltas were lost on the way: ask the origin for a snapshot; deltas are ignored until its last part.</summary>
    Gap,
}
