using ClusterBroker.LoadTests.Brokers;

namespace ClusterBroker.LoadTests.Tests.Brokers;

/// <summary>Mosquitto from the Debian package, with its own config in a temp directory.</summary>
public sealed class MosquittoProcess : BrokerProcess
{
    public override BrokerSpec Spec { get; } = new(BrokerKind.Mosquitto, "Mosquitto");
}
