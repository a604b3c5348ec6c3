using ClusterBroker.LoadTests.Brokers;

namespace ClusterBroker.LoadTests.Tests.Brokers;

/// <summary>
/// The MQTTnet server host in loadtests/ClusterBroker.PeerBroker, built in this test run's configuration,
/// with its pending-message limit (250 by default, oldest dropped) raised for the same reason as mosquitto's.
/// </summary>
public sealed class PeerBrokerProcess : BrokerProcess
{
    public override BrokerSpec Spec { get; } = new(BrokerKind.MqttNetServer, "MQTTnet", RepositoryPaths.PeerBrokerDll(BuildConfiguration.Current))
    {
        ExtraArguments = ["--max-pending", "1000000"],
    };

    /// <summary>MQTTnet's server treats "$share/..." as a plain filter: shared subscriptions deliver nothing.</summary>
    public override bool SupportsSharedSubscriptions => false;
}
