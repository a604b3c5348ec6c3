namespace ClusterBroker.LoadTests.Scenarios;

/// <summary>
/// A publisher: its id (stamped into every payload), the topic it publishes to, and the broker endpoint it
/// connects to (null: round robin over the endpoints by publisher index).
/// </summary>
public sealed record PublisherSpec(int Id, string ClientId, string Topic, int? Broker = null);
