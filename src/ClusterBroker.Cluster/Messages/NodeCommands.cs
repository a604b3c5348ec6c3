using ClusterBroker.Core.Messages;
using ClusterBroker.Protocol;

namespace ClusterBroker.Cluster.Messages;

// Commands and events a session entity sends to the broker node that holds its connection (BrokerNodeActor).

/// <summary>Close the connection with a server DISCONNECT carrying the reason where 5.0 (0x8E on takeover).</summary>
public sealed record DisconnectConnection(long ConnectionId, ReasonCode ReasonCode) : IClusterBrokerMessage;

/// <summary>Hand a message that reached the session while its client is online to the connection.</summary>
public sealed record DeliverToConnection(long ConnectionId, string ClientId, QueuedMessage Message) : IClusterBrokerMessage;

/// <summary>Publish a Will whose delay elapsed (or whose session ended).</summary>
public sealed record PublishWill(string ClientId, BrokerMessage Message) : IClusterBrokerMessage;

/// <summary>The session expired: the node forgets its routes and endpoint.</summary>
public sealed record SessionExpired(string ClientId) : IClusterBrokerMessage;
