namespace ClusterBroker.LoadTests.Measurement;

/// <summary>CPU in percent of one core (200 = both cores of this machine) and broker resident memory.</summary>
public readonly record struct ResourceSample(double RunnerCpuPercent, double BrokerCpuPercent, long BrokerRssBytes);
