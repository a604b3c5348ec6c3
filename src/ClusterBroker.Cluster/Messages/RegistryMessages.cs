using Akka.Actor;

namespace ClusterBroker.Cluster.Messages;

// The cluster-wide ClientId registry (ClientIdRegistryActor, one sharded entity per bucket of ClientIds): who
// holds the connection of each online ClientId, so that a ClientId is connected once in the whole cluster.

/// <summary>A message for the registry shard that owns <see cref="ClientId"/>.</summary>
public interface IClientIdMessage : IClusterBrokerMessage
{
    string ClientId { get; }
}

/// <summary>
/// A connection on <paramref name="Node"/> takes the ClientId: any other connection holding it is closed
/// (DISCONNECT 0x8E) and has handed its session back before the claim is answered with <see cref="ClientIdClaimed"/>.
/// </summary>
public sealed record ClaimClientId(string ClientId, long ConnectionId, IActorRef Node) : IClientIdMessage;

/// <summary>
/// The claim of the connection succeeded: it is now the only connection of the ClientId.
/// <paramref name="SessionMayExist"/> is false when no persistent session of the ClientId is known, so a clean
/// connection that keeps no session need not involve the session entity at all.
/// </summary>
public sealed record ClientIdClaimed(string ClientId, long ConnectionId, bool SessionMayExist = true) : IClusterBrokerMessage;

/// <summary>The session entity holds a persistent session for the ClientId (a clean connect must end it).</summary>
public sealed record PersistentSessionExists(string ClientId) : IClientIdMessage;

/// <summary>The persistent session of the ClientId ended.</summary>
public sealed record PersistentSessionEnded(string ClientId) : IClientIdMessage;

/// <summary>The connection ended: the ClientId is free unless another connection holds it already.</summary>
public sealed record ReleaseClientId(string ClientId, long ConnectionId, IActorRef Node) : IClientIdMessage;
