using ClusterBroker.Core.Messages;

namespace ClusterBroker.Cluster.Messages;

// Replies of a broker node (BrokerNodeActor).

/// <summary>The connection asked to close has ended (or did not exist); its session was handed back first.</summary>
public sealed record ConnectionClosed(string ClientId, long ConnectionId) : IClusterBrokerMessage;

/// <summary>The connections of this node whose ClientId belongs to the asking registry shard.</summary>
public sealed record ConnectionsReport(IReadOnlyList<ConnectionEntry> Connections) : IClusterBrokerMessage;

/// <summary>
/// One ClientId a node knows: a live connection (its number), or with <paramref name="ConnectionId"/> -1 an
/// offline persistent session whose subscriptions wait on that node; <paramref name="Persistent"/> when the
/// session outlives its connection.
/// </summary>
public readonly record struct ConnectionEntry(string ClientId, long ConnectionId, bool Persistent = false);

/// <summary>
/// The session now belongs to the connection: Session Present and the state to resume. Sent to the node actor
/// of the connection (not to a temporary asker), so a reply that arrives after the connection gave up is
/// handed straight back to the session instead of being lost.
/// </summary>
public sealed record SessionAttached(string ClientId, long ConnectionId, bool SessionPresent, uint SessionExpiryInterval, SessionSnapshot Snapshot) : IClusterBrokerMessage;
