using ClusterBroker.Core.Messages;

namespace ClusterBroker.Cluster.Messages;

// Replies of a session entity.

/// <summary>The session now belongs to the asking connection: Session Present and the state to resume.</summary>
public sealed record SessionAttached(string ClientId, bool SessionPresent, SessionSnapshot Snapshot) : IClusterBrokerMessage;
