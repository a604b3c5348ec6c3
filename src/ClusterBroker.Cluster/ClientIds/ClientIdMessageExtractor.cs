using Akka.Cluster.Sharding;
using ClusterBroker.Cluster.Messages;

namespace ClusterBroker.Cluster.ClientIds;

/// <summary>
/// Routes <see cref="IClientIdMessage"/>s to the registry bucket of their ClientId: the bucket is both the
/// entity and the shard (one entity per shard), so a shard's whole state is one dictionary. Returns null for
/// any other message (the region drops it).
/// </summary>
public sealed class ClientIdMessageExtractor : IMessageExtractor
{
    public string? EntityId(object message) => message switch
    {
        IClientIdMessage m => Bucket(m.ClientId),
        _ => null,
    };

    public object? EntityMessage(object message) => message is IClientIdMessage ? message : null;

    public string? ShardId(object message) => EntityId(message);

    public string ShardId(string entityId, object? messageHint = null) => entityId;

    private static string Bucket(string clientId) => ClientIdBuckets.Of(clientId).ToString(System.Globalization.CultureInfo.InvariantCulture);
}
