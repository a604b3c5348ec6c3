namespace ClusterBroker.LoadTests.Measurement;

/// <summary>CPU time (clock ticks, user + system) and resident memory of one process, from /proc.</summary>
public readonly record struct ProcessSample(long CpuTicks, long RssBytes, bool Alive)
{
    public static ProcessSample Gone => new(0, 0, false);
}
