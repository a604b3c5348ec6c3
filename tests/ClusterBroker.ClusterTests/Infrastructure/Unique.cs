namespace ClusterBroker.ClusterTests.Infrastructure;

/// <summary>Client ids and topic roots no other test uses, so tests sharing a cluster never see each other's traffic.</summary>
public static class Unique
{
    private static int _counter;

    public static string Id() => $"{Environment.ProcessId:x}{Interlocked.Increment(ref _counter):x4}{Random.Shared.Next(0x10000):x4}";

    public static string ClientId(string prefix = "c") => $"{prefix}-{Id()}";

    /// <summary>A topic root such as "ct/t/3f2a0007a1b2".</summary>
    public static string Topic(string prefix = "t") => $"ct/{prefix}/{Id()}";
}
