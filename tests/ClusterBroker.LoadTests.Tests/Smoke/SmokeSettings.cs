using ClusterBroker.LoadTests.Configuration;
using ClusterBroker.LoadTests.Tests.Brokers;

namespace ClusterBroker.LoadTests.Tests.Smoke;

/// <summary>Small, short runs: a few seconds each, bounded hard at 30 s.</summary>
public static class SmokeSettings
{
    public static RunSettings For(BrokerProcess broker) => new()
    {
        Brokers = [broker.Endpoint],
        Label = broker.Label,
        BrokerPids = [broker.Pid],
        Live = false,
        WarmupSeconds = 0.5,
        DurationSeconds = 2,
        DrainSeconds = 5,
        ConnectRate = 2000,
        MaxRunSeconds = 30,
    };
}
