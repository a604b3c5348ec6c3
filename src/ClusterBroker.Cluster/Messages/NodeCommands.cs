using ClusterBroker.Core.Messages;
using ClusterBroker.Protocol;

namespace ClusterBroker.Cluster.Messages;

// Commands and events for the broker node that holds a connection (BrokerNodeActor), from session entities
// and ClientId registry shards anywhere in the cluster. A connection is named by the node actor the message
// is sent to (its address and uid) plus the node's connection number: a bare number is not unique in a cluster.

/// <summary>
/// Close the connection with a server DISCONNECT carrying the reason where 5.0 (0x8E on takeover). The node
/// answers the sender with <see cref="ConnectionClosed"/> once the connection has ended and handed its session
/// back (at once when there is no such connection).
/// </summary>
public sealed record DisconnectConnection(string ClientId, long ConnectionId, ReasonCode ReasonCode) : IClusterBrokerMessage;

/// <summary>
/// Hand a message that reached the session while its client is online to the connection (with
/// <see cref="AnyConnection"/>: to whichever connection holds the ClientId on that node). When there is no such
/// connection the node sends it back to the session, naming the connection number it was given.
/// </summary>
public sealed record DeliverToConnection(long ConnectionId, string ClientId, QueuedMessage Message) : IClusterBrokerMessage
{
    /// <summary>The connection number meaning "the ClientId's connection on that node, whichever it is".</summary>
    public const long AnyConnection = -1;
}

/// <summary>Publish a Will whose delay elapsed (or whose session ended).</summary>
public sealed record PublishWill(string ClientId, BrokerMessage Message) : IClusterBrokerMessage;

/// <summary>
/// The session no longer waits on this node (it expired, or its client resumed it on another node): the node
/// forgets its endpoint and withdraws the routes only that session needed.
/// </summary>
public sealed record ForgetSession(string ClientId) : IClusterBrokerMessage;

/// <summary>A ClientId registry shard that (re)started asks each node for its connections in that shard.</summary>
public sealed record ReportConnections(int Bucket, int BucketCount) : IClusterBrokerMessage;

/// <summary>
/// Host the offline endpoint of a persistent session whose node is leaving: subscribe it here (announcing the
/// routes) so messages published while its client is away keep reaching its session.
/// </summary>
public sealed record HostSessionEndpoint(string ClientId, IReadOnlyList<Subscription> Subscriptions) : IClusterBrokerMessage;

/// <summary>
/// Asked by a leaving node after its <see cref="HostSessionEndpoint"/>s (which arrive first: same sender, same
/// receiver): answered with <see cref="HostedRoutesPropagated"/> once every member has the routes those endpoints
/// announced here, or after the route propagation timeout. Until then the leaving node keeps taking the sessions'
/// messages, so nothing published while the routes move is sent only to a node that has stopped.
/// </summary>
public sealed record AwaitHostedRoutes(int Endpoints) : IClusterBrokerMessage;

/// <summary>The answer to <see cref="AwaitHostedRoutes"/>: whether every member applied the routes (false: timed out).</summary>
public sealed record HostedRoutesPropagated(bool Everywhere) : IClusterBrokerMessage;

/// <summary>The answer to <see cref="SessionSubscriptionsChanged"/>: the subscriptions are in the session store (or the write failed, which the entity logged).</summary>
public sealed record SubscriptionsStored(string ClientId, long RequestId) : IClusterBrokerMessage;
