namespace ClusterBroker.Storage.Redis.Tests.Infrastructure;

/// <summary>Names no other test uses, so tests sharing a redis-server or a broker stay apart.</summary>
public static class Unique
{
    private static int s_next;

    public static string Prefix() => $"test{Interlocked.Increment(ref s_next)}-{Guid.NewGuid():N}:";

    public static string Topic(string name = "t") => $"{name}/{Guid.NewGuid():N}";
}
