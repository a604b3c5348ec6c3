namespace ClusterBroker.LoadTests.Scenarios;

/// <summary>A publisher: its id (stamped into every payload) and the topic it publishes to.</summary>
public sealed record PublisherSpec(int Id, string ClientId, string Topic);
