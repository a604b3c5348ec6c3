using Akka.Actor;
using ClusterBroker.Core.Messages;

namespace ClusterBroker.Cluster.Messages;

// Commands to a session entity (sharded by ClientId). Immutable records; grouped here by kind. A connection
// is (Node, ConnectionId): the node actor that holds it and that node's connection number.

/// <summary>
/// A connection asks to own the session; answered to <paramref name="Node"/> with <see cref="SessionAttached"/>.
/// A <paramref name="SessionExpiryInterval"/> of 0 makes the session ephemeral: the entity answers and passivates.
/// </summary>
public sealed record AttachSession(string ClientId, bool CleanStart, long ConnectionId, IActorRef Node, uint SessionExpiryInterval = 0, PendingWill? Will = null) : ISessionMessage;

/// <summary>
/// The node of the connection received <see cref="SessionAttached"/>: the entity may drop the copy it kept to
/// answer a retried attach (the reply may have been lost on its way, e.g. when a node died).
/// </summary>
public sealed record SessionAttachConfirmed(string ClientId, long ConnectionId) : ISessionMessage;

/// <summary>
/// The connection's node announced the resumed session's routes and every other node has them: the node the
/// session came from may now forget it (until then it keeps routing the session's messages to the entity).
/// </summary>
public sealed record SessionRoutesReady(string ClientId, long ConnectionId) : ISessionMessage;

/// <summary>A connection ended and hands the session back (see Core's SessionDetachRequest).</summary>
public sealed record DetachSession(string ClientId, long ConnectionId, IActorRef Node, uint SessionExpiryInterval, SessionSnapshot Snapshot, PendingWill? Will) : ISessionMessage;

/// <summary>
/// A message for the session. <paramref name="BouncedFrom"/> names the connection (node actor, number) it was
/// forwarded to when that connection had just ended: the session keeps it if that connection is still the
/// attached one (its hand-back is on its way), and forwards it to a newer connection otherwise.
/// </summary>
public sealed record EnqueueMessage(string ClientId, QueuedMessage Message, IActorRef? BouncedFromNode = null, long BouncedFromConnection = -1) : ISessionMessage;

/// <summary>
/// Continue this session from the record its previous owner exported when its shard was handed off (a node
/// leaving, or a rebalance): state does not move with a handoff by itself. <paramref name="Node"/> is the node
/// actor of the attached connection or of the offline endpoint, if any.
/// </summary>
public sealed record RestoreSession(string ClientId, IActorRef? Node, SessionRecord Record) : ISessionMessage;

/// <summary>Asked (admin API): the entity answers with <see cref="SessionQueueReport"/>, the messages it holds for its client.</summary>
public sealed record QuerySessionQueue(string ClientId) : ISessionMessage;

/// <summary>
/// What a session entity holds: whether the session exists and its client is attached, and the messages it keeps
/// (queued, and sent but unacknowledged when the client is offline; an attached connection holds its own).
/// </summary>
public sealed record SessionQueueReport(string ClientId, bool Exists, bool Online, int Queued, int Inflight) : IClusterBrokerMessage;

/// <summary>The offline endpoint (subscriptions and routes) of the session now lives on <paramref name="Node"/> (its previous node is leaving).</summary>
public sealed record SessionEndpointMoved(string ClientId, IActorRef Node) : ISessionMessage;

/// <summary>
/// The connection's subscriptions changed (SUBSCRIBE/UNSUBSCRIBE on a persistent session): the entity writes them
/// to the session store, so they survive the loss of the connection's node, and answers <paramref name="Node"/>
/// with <see cref="SubscriptionsStored"/> once written (the SUBACK waits for it). Sent only when sessions are durable.
/// </summary>
public sealed record SessionSubscriptionsChanged(string ClientId, long ConnectionId, IActorRef Node, uint SessionExpiryInterval, IReadOnlyList<Subscription> Subscriptions, long RequestId) : ISessionMessage;

/// <summary>
/// <paramref name="DeadNode"/> (a home-node id, see <see cref="Sessions.SessionPersistence"/>) left the cluster and
/// the session store says this session's home was there: the entity continues the session from the store on its
/// own node (its subscriptions hosted there, so what is published meanwhile is queued) unless it moved since.
/// </summary>
public sealed record RecoverSession(string ClientId, string DeadNode) : ISessionMessage;

/// <summary>
/// To every node's <see cref="Sessions.CrashReplayActor"/>: the session of <paramref name="ClientId"/> continues after
/// <paramref name="DeadNode"/> crashed; queue in it what that node was sent shortly before and that matches these
/// subscriptions.
/// </summary>
public sealed record ReplayToSession(string DeadNode, string ClientId, IReadOnlyList<Subscription> Subscriptions) : IClusterBrokerMessage;
