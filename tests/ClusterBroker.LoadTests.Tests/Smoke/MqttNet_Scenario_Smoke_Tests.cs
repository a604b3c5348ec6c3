using ClusterBroker.LoadTests.Tests.Brokers;

namespace ClusterBroker.LoadTests.Tests.Smoke;

public sealed class MqttNet_Scenario_Smoke_Tests(PeerBrokerProcess broker) : Scenario_Smoke_Tests<PeerBrokerProcess>(broker);
