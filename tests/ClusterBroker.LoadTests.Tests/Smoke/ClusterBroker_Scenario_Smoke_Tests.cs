using ClusterBroker.LoadTests.Tests.Brokers;

namespace ClusterBroker.LoadTests.Tests.Smoke;

/// <summary>Skipped while ClusterBrokerProcess.NotServingYet is set; flip that constant to null to run them.</summary>
public sealed class ClusterBroker_Scenario_Smoke_Tests(ClusterBrokerProcess broker) : Scenario_Smoke_Tests<ClusterBrokerProcess>(broker);
