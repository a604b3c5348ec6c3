using ClusterBroker.Core;

namespace ClusterBroker.IntegrationTests.Infrastructure;

/// <summary>A shared broker accepting at most 5 topic aliases per client.</summary>
public sealed class TopicAliasBrokerFixture : BrokerFixture
{
    public const ushort TopicAliasMaximum = 5;

    protected override BrokerOptions CreateOptions() => new() { TopicAliasMaximum = TopicAliasMaximum };
}
