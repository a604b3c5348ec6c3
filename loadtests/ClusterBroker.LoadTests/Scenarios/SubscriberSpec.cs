namespace ClusterBroker.LoadTests.Scenarios;

/// <summary>
/// A subscriber: its filter, the receiver (ledger entry) its deliveries count against, and the broker
/// endpoint it connects to (null: round robin over the endpoints by subscriber index).
/// </summary>
public sealed record SubscriberSpec(string ClientId, string Filter, int Receiver, int? Broker = null);
