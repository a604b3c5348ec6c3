using Akka.Actor;
using Akka.Cluster;

namespace ClusterBroker.Cluster.Routing;

/// <summary>
/// Another member of the cluster as the routing layer sees it: its unique address (address + uid, so a
/// restarted node at the same address is a different node) and the local actor that batches forwards to it.
/// Compared by reference: one instance per member for as long as it is a member.
/// </summary>
public sealed class RemoteNode(UniqueAddress address, IActorRef sender, NodeForwardCounter? forwards = null)
{
    public UniqueAddress Address { get; } = address;

    /// <summary>The <see cref="ForwardSenderActor"/> of this destination.</summary>
    public IActorRef Sender { get; } = sender;

    /// <summary>Forwards to this destination, for the per-node metric; null where nobody counts them (tests).</summary>
    public NodeForwardCounter? Forwards { get; } = forwards;

    public override string ToString() => Address.ToString();
}
