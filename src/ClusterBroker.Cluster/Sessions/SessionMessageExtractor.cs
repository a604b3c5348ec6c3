using Akka.Cluster.Sharding;
using ClusterBroker.Cluster.Messages;

namespace ClusterBroker.Cluster.Sessions;

/// <summary>
/// Routes <see cref="ISessionMessage"/>s to the session entity named by their ClientId; shards by a stable
/// hash of the ClientId. Returns null for any other message (the region drops it).
/// </summary>
public sealed class SessionMessageExtractor(int maxNumberOfShards) : HashCodeMessageExtractor(maxNumberOfShards)
{
    public override string? EntityId(object message) => message is ISessionMessage m ? m.ClientId : null;

    public override object? EntityMessage(object message) => message is ISessionMessage ? message : null;
}
