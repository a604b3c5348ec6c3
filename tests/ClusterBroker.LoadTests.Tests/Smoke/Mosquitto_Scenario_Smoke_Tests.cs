using ClusterBroker.LoadTests.Tests.Brokers;

namespace ClusterBroker.LoadTests.Tests.Smoke;

public sealed class Mosquitto_Scenario_Smoke_Tests(MosquittoProcess broker) : Scenario_Smoke_Tests<MosquittoProcess>(broker);
