using ClusterBroker.Core;

namespace ClusterBroker.IntegrationTests.Infrastructure;

/// <summary>A shared broker publishing $SYS topics every second.</summary>
public sealed class FastSysBrokerFixture : BrokerFixture
{
    protected override BrokerOptions CreateOptions() => new() { SysInterval = TimeSpan.FromSeconds(1) };
}
