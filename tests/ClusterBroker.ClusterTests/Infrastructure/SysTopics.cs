namespace ClusterBroker.ClusterTests.Infrastructure;

/// <summary>The $SYS counters of the cluster contract (per node, published every SysInterval, retained, decimal payload).</summary>
public static class SysTopics
{
    public const string ClusterMembers = "$SYS/broker/cluster/members";
    public const string ClusterRoutes = "$SYS/broker/cluster/routes";
    public const string ForwardsSent = "$SYS/broker/cluster/forwards/sent";
    public const string ForwardsReceived = "$SYS/broker/cluster/forwards/received";
    public const string ForwardBatches = "$SYS/broker/cluster/forwards/batches";
    public const string ForwardsReceivedOverLinks = "$SYS/broker/cluster/forwards/received-over-links";
    public const string ForwardLinksOpen = "$SYS/broker/cluster/forward-links/open";
    public const string ForwardLinkFailures = "$SYS/broker/cluster/forward-links/failures";
    public const string ForwardLinksRefused = "$SYS/broker/cluster/forward-links/refused";
    public const string RouteDeltasSent = "$SYS/broker/cluster/route-deltas/sent";
    public const string RouteDeltasReceived = "$SYS/broker/cluster/route-deltas/received";
    public const string SnapshotsSent = "$SYS/broker/cluster/snapshots/sent";
    public const string SnapshotsReceived = "$SYS/broker/cluster/snapshots/received";
    public const string ClientsConnected = "$SYS/broker/clients/connected";
}
