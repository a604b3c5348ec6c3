namespace ClusterBroker.IntegrationTests.Infrastructure;

/// <summary>Unique client ids and topics, so tests sharing a broker never see each other's traffic.</summary>
public static class Unique
{
    private static int _counter;

    private static string Next() => $"{Environment.ProcessId:x}{Interlocked.Increment(ref _counter):x4}{Random.Shared.Next(0x10000):x4}";

    public static string ClientId(string prefix = "c") => $"{prefix}-{Next()}";

    /// <summary>A topic root no other test uses, e.g. "t/3f2a0007a1b2".</summary>
    public static string Topic(string prefix = "t") => $"{prefix}/{Next()}";
}
