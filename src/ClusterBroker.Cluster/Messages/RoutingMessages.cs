using Akka.Cluster;
using ClusterBroker.Core.Messages;
using ClusterBroker.Core.Routing;

namespace ClusterBroker.Cluster.Messages;

// The route protocol between the RouteReplicatorActors of the nodes, and forwarded PUBLISHes between the
// ForwardSenderActor of one node and the ForwardReceiverActor of another. Immutable; grouped here by kind.

/// <summary>One route of the origin node appeared (Added) or disappeared.</summary>
public readonly record struct RouteChange(bool Added, RouteKey Route);

/// <summary>
/// The origin's route changes since its previous delta. <paramref name="Sequence"/> grows by one per delta of
/// that origin: a receiver that sees a gap (or does not know the origin yet) asks for a snapshot.
/// </summary>
public sealed record RouteDelta(UniqueAddress Origin, long Sequence, IReadOnlyList<RouteChange> Changes) : IClusterBrokerMessage;

/// <summary>
/// One part of the origin's whole route set as of <paramref name="Sequence"/>; a snapshot is sent in parts
/// (so it never meets the transport's frame limit) and replaces the receiver's view when the last arrives.
/// </summary>
public sealed record RouteSnapshotPart(UniqueAddress Origin, long Sequence, bool Last, IReadOnlyList<RouteKey> Routes) : IClusterBrokerMessage;

/// <summary>The sender applied the origin's routes up to <paramref name="Sequence"/> (a delta or a snapshot); sent back to the origin.</summary>
public sealed record RoutesApplied(UniqueAddress Node, long Sequence) : IClusterBrokerMessage;

/// <summary>A node that saw a gap in the sender's deltas asks for a snapshot (answered to the sender of this).</summary>
public sealed record RequestRouteSnapshot(UniqueAddress Requester) : IClusterBrokerMessage;

/// <summary>
/// A message published on another node, forwarded here once: deliver it to this node's plain subscribers
/// when <paramref name="Plain"/>, and to one member of each shared group in <paramref name="Groups"/> (the
/// groups the publishing node placed on this node). <paramref name="Hops"/> counts the extra hops a shared-group
/// message took because its group had left the node it was placed on (bounded, so stale routes cannot bounce it).
/// </summary>
public sealed record ForwardedMessage(BrokerMessage Message, bool Plain, IReadOnlyList<RouteKey>? Groups, byte Hops = 0);

/// <summary>Forwarded messages from one node, in the order they were published there.</summary>
public sealed record ForwardBatch(IReadOnlyList<ForwardedMessage> Messages) : IClusterBrokerMessage;

/// <summary>
/// Sent by a node to another member's forward sender for it, which passes it on behind every forward it was given
/// before: when it comes back (to the node's forward receiver, then its node actor), everything that member
/// forwarded to the node before the marker has been delivered there.
/// </summary>
public sealed record ForwardMarker(long Id) : IClusterBrokerMessage;
