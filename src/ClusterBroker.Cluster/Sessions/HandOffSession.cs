namespace ClusterBroker.Cluster.Sessions;

/// <summary>
/// Sent by sharding to a session entity whose shard is handed off (its node is leaving, or a rebalance): the
/// entity passes its state on to the entity's next incarnation before it stops, because sharding does not
/// move entity state by itself.
/// </summary>
public sealed class HandOffSession
{
    public static readonly HandOffSession Instance = new();

    private HandOffSession()
    {
    }
}
