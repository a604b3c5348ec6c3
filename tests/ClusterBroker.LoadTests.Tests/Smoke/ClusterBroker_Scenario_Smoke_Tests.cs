using ClusterBroker.LoadTests.Tests.Brokers;

namespace ClusterBroker.LoadTests.Tests.Smoke;

/// <summary>Every scenario against ClusterBroker.Host (Release build) started as a process.</summary>
public sealed class ClusterBroker_Scenario_Smoke_Tests(ClusterBrokerProcess broker) : Scenario_Smoke_Tests<ClusterBrokerProcess>(broker);
