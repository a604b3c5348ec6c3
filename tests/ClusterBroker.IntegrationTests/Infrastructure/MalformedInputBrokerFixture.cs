using ClusterBroker.Core;

namespace ClusterBroker.IntegrationTests.Infrastructure;

/// <summary>A shared broker with a 4 KiB Maximum Packet Size and a short CONNECT timeout.</summary>
public sealed class MalformedInputBrokerFixture : BrokerFixture
{
    public const uint MaximumPacketSize = 4096;
    public static readonly TimeSpan ConnectTimeout = TimeSpan.FromSeconds(2);

    protected override BrokerOptions CreateOptions() => new() { MaximumPacketSize = MaximumPacketSize, ConnectTimeout = ConnectTimeout };
}
