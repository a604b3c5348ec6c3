using Akka.Actor;
using Akka.Cluster;

namespace ClusterBroker.Cluster.Routing;

/// <summary>
/// Another member of the cluster as the routing layer sees it: its unique address (address + uid, so a
/// restarted node at the same address is a different node) and the local actor that batches forwards to it.
/// Compared by reference: one instance per member for as long as it is a member.
/// </summary>
public sealed class RemoteNode(UniqueAddress address, IActorRef sender, NodeForwardCounter? forwards = null, Links.ForwardLinkWriter? writer = null)
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

    private OrphanedRoutes? _orphaned;

    /// <summary>
    /// Set when the node crashed (was downed) and sessions are durable: its plain routes stay in the table for a
    /// moment, and what matches them goes to this node's crash replay instead of the network (see
    /// <see cref="RouteReplicatorActor"/>). Null for a live node.
    /// </summary>
    public OrphanedRoutes? Orphaned
    {
        get => Volatile.Read(ref _orphaned);
        set => Volatile.Write(ref _orphaned, value);
    }

    /// <summary>The <see cref="ForwardSenderActor"/> of this destination.</summary>
    public IActorRef Sender { get; } = sender;

    /// <summary>
    /// Forwards <paramref name="forward"/> to this node, from any thread: through its <see cref="Links.ForwardLinkWriter"/>
    /// (written at once, no hop to another thread), or through its sender actor where there is none (tests).
    /// </summary>
    public void Forward(Messages.ForwardedMessage forward)
    {
        if (writer is not null)
        {
            writer.Forward(forward);
        }
        else
        {
            Sender.Tell(forward, ActorRefs.NoSender);
        }
    }

    /// <summary>Forwards to this destination, for the per-node metric; null where nobody counts them (tests).</summary>
    public NodeForwardCounter? Forwards { get; } = forwards;

    public override string ToString() => Address.ToString();
}

/// <summary>The routes of a crashed node, kept until its sessions continue elsewhere: the node's id and the crash replay that takes what matches them.</summary>
public sealed record OrphanedRoutes(string DeadNode, IActorRef CrashReplay)
{
    /// <summary>
    /// A forward meant for the dead node goes to the crash replay, for the sessions continued from it, when it is a
    /// plain QoS 1/2 message (QoS 0 is not replayed; a shared group's copy is placed on another member instead).
    /// </summary>
    public void Keep(Messages.ForwardedMessage forward)
    {
        if (forward.Plain && forward.Message.QoS != Protocol.QualityOfService.AtMostOnce)
        {
            CrashReplay.Tell(new OrphanedForward(DeadNode, forward.Message, System.Diagnostics.Stopwatch.GetTimestamp()), ActorRefs.NoSender);
        }
    }
}

/// <summary>
/// Local, to the crash replay: a QoS 1/2 message that matched a crashed node's kept routes after it was downed;
/// <paramref name="RoutedAt"/> is when (a <see cref="System.Diagnostics.Stopwatch"/> timestamp of this process).
/// </summary>
public sealed record OrphanedForward(string DeadNode, Core.Messages.BrokerMessage Message, long RoutedAt);
