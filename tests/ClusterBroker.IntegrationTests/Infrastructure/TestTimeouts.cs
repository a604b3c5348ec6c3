namespace ClusterBroker.IntegrationTests.Infrastructure;

/// <summary>Upper bounds for awaited conditions; generous so a loaded CI machine does not flake.</summary>
public static class TestTimeouts
{
    public static readonly TimeSpan Default = TimeSpan.FromSeconds(10);
    public static readonly TimeSpan Short = TimeSpan.FromSeconds(3);
    public static readonly TimeSpan BrokerStart = TimeSpan.FromSeconds(30);
    public static readonly TimeSpan BrokerStop = TimeSpan.FromSeconds(10);
    public static readonly TimeSpan Process = TimeSpan.FromSeconds(20);
}
