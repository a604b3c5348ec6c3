using ClusterBroker.Core;

namespace ClusterBroker.IntegrationTests.Infrastructure;

/// <summary>A shared broker with a 4 KiB Maximum Packet Size and a short CONNECT timeout.</summary>
public sealed class MalformedInputBrokerFixture : BrokerFixture
{
    public const uint MaximumPacketSize = 4096;
    // Short enough for the timeout tests, long enough that a bystander's MQTTnet client on a loaded CI machine sends
    // its CONNECT in time (at 2 s one did not, once: the broker closed it before CONNECT).
    public static readonly TimeSpan ConnectTimeout = TimeSpan.FromSeconds(5);

    protected override BrokerOptions CreateOptions() => new() { MaximumPacketSize = MaximumPacketSize, ConnectTimeout = ConnectTimeout };
}
