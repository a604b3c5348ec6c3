using ClusterBroker.Core;

namespace ClusterBroker.IntegrationTests.Infrastructure;

/// <summary>A shared broker with a small Receive Maximum and Maximum Packet Size.</summary>
public sealed class FlowControlBrokerFixture : BrokerFixture
{
    public const ushort ReceiveMaximum = 3;
    public const uint MaximumPacketSize = 4096;

    protected override BrokerOptions CreateOptions() => new() { ReceiveMaximum = ReceiveMaximum, MaximumPacketSize = MaximumPacketSize };
}
