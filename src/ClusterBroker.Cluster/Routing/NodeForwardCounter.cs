namespace ClusterBroker.Cluster.Routing;

/// <summary>
/// Messages forwarded to one destination node (its host:port). Held by that node's <see cref="RemoteNode"/>, so a
/// forward costs one interlocked increment and no lookup; a node that rejoins at the same address continues its count.
/// </summary>
public sealed class NodeForwardCounter
{
    private long _sent;

    public long Sent => Interlocked.Read(ref _sent);

    public void Increment() => Interlocked.Increment(ref _sent);
}
