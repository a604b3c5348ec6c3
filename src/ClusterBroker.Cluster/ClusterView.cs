namespace ClusterBroker.Cluster;

/// <summary>The cluster as this node sees it (admin API): every member with its status and reachability.</summary>
public sealed record ClusterView(string Name, string SelfAddress, string? Leader, IReadOnlyList<ClusterMemberView> Members);

/// <summary>One member of <see cref="ClusterView"/>; Status is Akka's member status (Joining, Up, Leaving, Exiting, Down, ...).</summary>
public sealed record ClusterMemberView(string Address, string Host, int Port, string Status, bool Reachable, bool Self, IReadOnlyList<string> Roles);
