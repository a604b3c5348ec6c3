namespace ClusterBroker.Cluster;

/// <summary>
/// Whether a node can serve clients (readiness): a member with status Up whose shard regions are registered
/// with their coordinators; <see cref="Reasons"/> says what is missing, for the readiness endpoint's body.
/// </summary>
public sealed record NodeReadiness(bool MemberUp, bool ShardRegionsRegistered, string MemberStatus, IReadOnlyList<string> Reasons)
{
    public bool IsReady => MemberUp && ShardRegionsRegistered;
}
