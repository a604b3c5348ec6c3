namespace ClusterBroker.LoadTests.Scenarios;

public sealed record PublisherLoopSettings(RatePlan Plan, int Qos, int PayloadBytes, int Inflight, bool Retain);
