namespace ClusterBroker.Host;

/// <summary>The answer of /health/ready: ready, or the reasons it is not.</summary>
public sealed record HostReadiness(bool IsReady, string Status, string MemberStatus, bool Draining, IReadOnlyList<string> Reasons);
