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
    private bool _reachable = true;

    public UniqueAddress Address { get; } = address;

    /// <summary>The node's address without its uid: its name as a shared-group candidate, the same on every node.</summary>
    public string Name { get; } = address.Address.ToString();

    /// <summary>
    /// False while the failure detector finds the node unreachable: shared groups are placed on the other nodes
    /// that have members (a message sent there now would most likely die with it).
    /// </summary>
    public bool Reachable
    {
        get => Volatile.Read(ref _reachable);
        set => Volatile.Write(ref _reachable, value);
    }

    /// <summary>The <see cref="ForwardSenderActor"/> of this destination.</summary>
    public IActorRef Sender { get; } = sender;

    /// <summary>Forwards to this destination, for the per-node metric; null where nobody counts them (tests).</summary>
    public NodeForwardCounter? Forwards { get; } = forwards;

    public override string ToString() => Address.ToString();
}
