namespace ClusterBroker.LoadTests.Scenarios;

/// <summary>A subscriber: its filter and the receiver (ledger entry) its deliveries count against.</summary>
public sealed record SubscriberSpec(string ClientId, string Filter, int Receiver);
