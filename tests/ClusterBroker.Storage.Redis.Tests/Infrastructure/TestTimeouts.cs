namespace ClusterBroker.Storage.Redis.Tests.Infrastructure;

/// <summary>Upper bounds for awaited conditions; generous so a loaded machine does not flake.</summary>
public static class TestTimeouts
{
    public static readonly TimeSpan Default = TimeSpan.FromSeconds(15);
    public static readonly TimeSpan BrokerStart = TimeSpan.FromSeconds(30);
    public static readonly TimeSpan BrokerStop = TimeSpan.FromSeconds(15);
}
