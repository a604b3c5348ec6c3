namespace ClusterBroker.LoadTests.Lightweight;

/// <summary>
/// What one swarm (or several merged) achieved. Connect latencies travel as (microseconds, count)
/// pairs so that workers' histograms merge exactly in the parent.
/// </summary>
public sealed record SwarmResult
{
    public long Attempted { get; init; }
    public long Connected { get; init; }
    public long Failed { get; init; }
    public long Dropped { get; init; }
    public long PeakOpen { get; init; }
    public long PingResponses { get; init; }
    public double SecondsToAllConnected { get; init; }
    public Dictionary<string, long> FailureReasons { get; init; } = [];
    public List<long[]> ConnectLatencyMicros { get; init; } = [];

    public double ConnectRate => SecondsToAllConnected > 0 ? Connected / SecondsToAllConnected : 0;
}
