using ClusterBroker.Core.Retained;
using ClusterBroker.Core.Sessions;
using ClusterBroker.Core.Routing.Sharing;

namespace ClusterBroker.Cluster;

/// <summary>
/// The stores the composition root gives a node instead of its in-memory defaults: in cluster mode the host passes
/// the Redis-backed ones (ClusterBroker.Storage.Redis), so this project references no store implementation. The
/// caller owns what it passes: it starts the stores before the node and disposes them after the node stopped.
/// </summary>
public sealed class BrokerNodeStores
{
    /// <summary>Retained messages; null = a new in-memory store of this node alone.</summary>
    public IRetainedMessageStore? Retained { get; init; }

    /// <summary>Where persistent sessions are kept durably (cluster mode with Redis); null = in the session entities' memory only.</summary>
    public ISessionStore? Sessions { get; init; }
    /// <summary>
    /// Cluster-wide shared-group membership for the node named by the argument (its incarnation, "address#uid");
    /// null = the route table alone. The caller disposes what it created.
    /// </summary>
    public Func<string, ISharedMembership>? SharedMembership { get; init; }

    /// <summary>
    /// The publish journal of durable sessions for the node named by the first argument (its incarnation), replayed
    /// over the second argument's window when a node crashes; null = none (with <see cref="Sessions"/> null, or memory durability).
    /// </summary>
    public Func<string, TimeSpan, IPublishJournal>? PublishJournal { get; init; }

    /// <summary>Where the QoS 2 flows of persistent sessions are recorded before each step (with <see cref="Sessions"/>); null = nowhere.</summary>
    public IQoS2DeliveryLog? QoS2Deliveries { get; init; }

    /// <summary>The stores' own counters, published with the node's $SYS topics (read at each publication).</summary>
    public Func<IEnumerable<KeyValuePair<string, long>>>? SysCounters { get; init; }
}
