using Akka.Actor;
using ClusterBroker.Core.Messages;

namespace ClusterBroker.Cluster.Messages;

// Commands to a session entity (sharded by ClientId). Immutable records; grouped here by kind.

/// <summary>
/// A connection on <paramref name="Node"/> asks to own the session; answered with <see cref="SessionAttached"/>.
/// A <paramref name="SessionExpiryInterval"/> of 0 makes the session ephemeral: the entity answers and passivates.
/// </summary>
public sealed record AttachSession(string ClientId, bool CleanStart, long ConnectionId, IActorRef Node, uint SessionExpiryInterval = 0) : ISessionMessage;

/// <summary>A connection ended and hands the session back (see Core's SessionDetachRequest).</summary>
public sealed record DetachSession(string ClientId, long ConnectionId, uint SessionExpiryInterval, SessionSnapshot Snapshot, PendingWill? Will) : ISessionMessage;

/// <summary>
/// A message for the session. <paramref name="Bounced"/> is set when it was forwarded to a connection that had
/// just ended: the session then keeps it instead of forwarding it again.
/// </summary>
public sealed record EnqueueMessage(string ClientId, QueuedMessage Message, bool Bounced = false) : ISessionMessage;
