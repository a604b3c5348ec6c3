using ClusterBroker.Cluster.Routing;

namespace ClusterBroker.Cluster;

/// <summary>The cluster's counters under $SYS/broker/cluster/ (published with the broker's own every SysInterval).</summary>
internal static class ClusterSysCounters
{
    public static IEnumerable<KeyValuePair<string, long>> Of(ClusterMetrics m, ClusterRouteTable routes) =>
    [
        new("$SYS/broker/cluster/members", m.Members),
        new("$SYS/broker/cluster/routes", routes.Count),
        new("$SYS/broker/cluster/forwards/sent", m.ForwardsSent),
        new("$SYS/broker/cluster/forwards/received", m.ForwardsReceived),
        new("$SYS/broker/cluster/forwards/batches", m.ForwardBatchesSent),
        new("$SYS/broker/cluster/forwards/received-over-links", m.ForwardsReceivedOverLinks),
        new("$SYS/broker/cluster/forward-links/open", m.ForwardLinksOpen),
        new("$SYS/broker/cluster/forward-links/failures", m.ForwardLinkFailures),
        new("$SYS/broker/cluster/forward-links/dropped", m.ForwardsDroppedLinkDown),
        new("$SYS/broker/cluster/forward-links/refused", m.ForwardLinksRefused),
        new("$SYS/broker/cluster/route-deltas/sent", m.RouteDeltasSent),
        new("$SYS/broker/cluster/route-deltas/received", m.RouteDeltasReceived),
        new("$SYS/broker/cluster/snapshots/sent", m.SnapshotsSent),
        new("$SYS/broker/cluster/snapshots/received", m.SnapshotsReceived),
        new("$SYS/broker/cluster/sessions/lost", m.SessionsLost),
        new("$SYS/broker/cluster/sessions/recovered", m.SessionsRecovered),
        new("$SYS/broker/cluster/sessions/replay-repeats-skipped", m.ReplayRepeatsSkipped),
        new("$SYS/broker/cluster/sessions/store-write-failures", m.SessionStoreWriteFailures),
        new("$SYS/broker/cluster/shared/dropped", m.SharedMessagesDropped),
    ];
}
