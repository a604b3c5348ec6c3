using ClusterBroker.Core;

namespace ClusterBroker.IntegrationTests.Infrastructure;

/// <summary>A shared broker with small packet, topic and subscription limits.</summary>
public sealed class LimitsBrokerFixture : BrokerFixture
{
    public const uint MaximumPacketSize = 2048;
    public const int MaxTopicLength = 64;
    public const int MaxTopicLevels = 4;
    public const int MaxSubscriptionsPerClient = 3;

    protected override BrokerOptions CreateOptions() => new()
    {
        MaximumPacketSize = MaximumPacketSize,
        MaxTopicLength = MaxTopicLength,
        MaxTopicLevels = MaxTopicLevels,
        MaxSubscriptionsPerClient = MaxSubscriptionsPerClient,
    };
}
