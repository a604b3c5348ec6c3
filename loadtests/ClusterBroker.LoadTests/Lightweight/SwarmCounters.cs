namespace ClusterBroker.LoadTests.Lightweight;

/// <summary>Live counters of a swarm, read by the progress display while it runs.</summary>
public sealed class SwarmCounters
{
    private long _attempted;
    private long _connected;
    private long _failed;
    private long _dropped;
    private int _phase;

    public long Attempted => Interlocked.Read(ref _attempted);
    public long Connected => Interlocked.Read(ref _connected);
    public long Failed => Interlocked.Read(ref _failed);
    public long Dropped => Interlocked.Read(ref _dropped);
    public long Open => Connected - Dropped;
    public SwarmPhase Phase => (SwarmPhase)Volatile.Read(ref _phase);

    public void AddAttempt() => Interlocked.Increment(ref _attempted);
    public void AddConnected() => Interlocked.Increment(ref _connected);
    public void AddFailed() => Interlocked.Increment(ref _failed);
    public void AddDropped() => Interlocked.Increment(ref _dropped);
    public void Enter(SwarmPhase phase) => Volatile.Write(ref _phase, (int)phase);
}
