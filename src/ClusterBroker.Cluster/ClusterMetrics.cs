using System.Collections.Concurrent;
using ClusterBroker.Cluster.Routing;

namespace ClusterBroker.Cluster;

/// <summary>
/// Counters of the cluster layer (published in $SYS/broker/cluster/..., updated with interlocked
/// operations from any thread): members, forwards, route deltas and snapshots.
/// </summary>
public sealed class ClusterMetrics
{
    private long _members;
    private long _forwardsSent;
    private long _forwardsReceived;
    private long _forwardBatchesSent;
    private long _routeDeltasSent;
    private long _routeDeltasReceived;
    private long _snapshotsSent;
    private long _snapshotsReceived;
    private long _sessionsLost;
    private long _sharedMessagesDropped;
    private long _sessionStoreWriteFailures;
    private long _sessionsRecovered;
    private long _replayRepeatsSkipped;
    private long _forwardLinksOpen;
    private long _forwardLinkFailures;
    private long _forwardsDroppedLinkDown;
    private long _forwardsReceivedOverLinks;
    private long _forwardLinksRefused;
    private readonly ConcurrentDictionary<string, NodeForwardCounter> _forwardsByNode = new(StringComparer.Ordinal);

    /// <summary>The queue depths of the offline persistent sessions whose entities live on this node.</summary>
    public Sessions.OfflineQueueDepths OfflineQueues { get; } = new();

    /// <summary>Members with status Up, this node included.</summary>
    public long Members => Volatile.Read(ref _members);

    /// <summary>Messages forwarded to other nodes (one per destination node per message).</summary>
    public long ForwardsSent => Volatile.Read(ref _forwardsSent);

    /// <summary>Messages other nodes forwarded to this one.</summary>
    public long ForwardsReceived => Volatile.Read(ref _forwardsReceived);

    /// <summary>Forward batches sent (messages per batch = ForwardsSent / ForwardBatchesSent).</summary>
    public long ForwardBatchesSent => Volatile.Read(ref _forwardBatchesSent);

    public long RouteDeltasSent => Volatile.Read(ref _routeDeltasSent);

    public long RouteDeltasReceived => Volatile.Read(ref _routeDeltasReceived);

    /// <summary>Complete route snapshots sent to other nodes (to joining nodes, or on request after a gap).</summary>
    public long SnapshotsSent => Volatile.Read(ref _snapshotsSent);

    public long SnapshotsReceived => Volatile.Read(ref _snapshotsReceived);

    /// <summary>Persistent sessions ended because the node holding their client's state was removed from the cluster.</summary>
    public long SessionsLost => Volatile.Read(ref _sessionsLost);

    /// <summary>Shared-group messages forwarded to a node whose group had no member left, with no other node to take them.</summary>
    public long SharedMessagesDropped => Volatile.Read(ref _sharedMessagesDropped);

    public void SharedMessageDropped() => Interlocked.Increment(ref _sharedMessagesDropped);

    public void SetMembers(int count) => Volatile.Write(ref _members, count);

    public void ForwardSent(RemoteNode destination)
    {
        Interlocked.Increment(ref _forwardsSent);
        destination.Forwards?.Increment();
    }

    /// <summary>The counter of forwards to the node at host:port (created on first use; one per address for the node's life).</summary>
    public NodeForwardCounter ForwardsTo(string hostPort) => _forwardsByNode.GetOrAdd(hostPort, static _ => new NodeForwardCounter());

    /// <summary>Forwards sent per destination host:port (a copy).</summary>
    public List<(string Node, long Sent)> ForwardsByNode()
    {
        var result = new List<(string, long)>(_forwardsByNode.Count);
        foreach (KeyValuePair<string, NodeForwardCounter> entry in _forwardsByNode)
            result.Add((entry.Key, entry.Value.Sent));
        return result;
    }

    public void AddForwardsReceived(int count) => Interlocked.Add(ref _forwardsReceived, count);

    public void ForwardBatchSent() => Interlocked.Increment(ref _forwardBatchesSent);

    public void RouteDeltaSent(int destinations) => Interlocked.Add(ref _routeDeltasSent, destinations);

    public void RouteDeltaReceived() => Interlocked.Increment(ref _routeDeltasReceived);

    public void SnapshotSent() => Interlocked.Increment(ref _snapshotsSent);

    public void SnapshotReceived() => Interlocked.Increment(ref _snapshotsReceived);

    public void SessionLost() => Interlocked.Increment(ref _sessionsLost);

    /// <summary>Writes to the session store that failed (each logged): what they carried may be missing after a node loss.</summary>
    public long SessionStoreWriteFailures => Volatile.Read(ref _sessionStoreWriteFailures);

    /// <summary>Persistent sessions continued from the session store after the node holding them was lost.</summary>
    public long SessionsRecovered => Volatile.Read(ref _sessionsRecovered);

    /// <summary>Messages a replay brought again to a session continued from the store that had them already (not delivered).</summary>
    public long ReplayRepeatsSkipped => Volatile.Read(ref _replayRepeatsSkipped);

    public void SessionStoreWriteFailed() => Interlocked.Increment(ref _sessionStoreWriteFailures);

    public void SessionRecovered() => Interlocked.Increment(ref _sessionsRecovered);

    /// <summary>A crash or journal replay brought a session continued from the store a message it had already: not delivered.</summary>
    public void ReplayRepeatSkipped() => Interlocked.Increment(ref _replayRepeatsSkipped);

    /// <summary>Forward links from this node to others open now.</summary>
    public long ForwardLinksOpen => Volatile.Read(ref _forwardLinksOpen);

    /// <summary>Forward links that could not be opened or broke while open (each logged).</summary>
    public long ForwardLinkFailures => Volatile.Read(ref _forwardLinkFailures);

    /// <summary>Messages to forward that were dropped because their link stayed down past its buffer (logged).</summary>
    public long ForwardsDroppedLinkDown => Volatile.Read(ref _forwardsDroppedLinkDown);

    /// <summary>Of <see cref="ForwardsReceived"/>, those that arrived over forward links (the rest came through Akka remoting).</summary>
    public long ForwardsReceivedOverLinks => Volatile.Read(ref _forwardsReceivedOverLinks);

    /// <summary>Connections to this node's forward link listener refused (not a member, wrong cluster or node, bad hello; logged).</summary>
    public long ForwardLinksRefused => Volatile.Read(ref _forwardLinksRefused);

    public void ForwardLinkOpened() => Interlocked.Increment(ref _forwardLinksOpen);

    public void ForwardLinkClosed() => Interlocked.Decrement(ref _forwardLinksOpen);

    public void ForwardLinkFailed() => Interlocked.Increment(ref _forwardLinkFailures);

    public void ForwardsDroppedOnLink(int count) => Interlocked.Add(ref _forwardsDroppedLinkDown, count);

    public void AddForwardsReceivedOverLink(int count)
    {
        Interlocked.Add(ref _forwardsReceived, count);
        Interlocked.Add(ref _forwardsReceivedOverLinks, count);
    }

    public void ForwardLinkRefused() => Interlocked.Increment(ref _forwardLinksRefused);
}
