using ClusterBroker.LoadTests.Measurement;

namespace ClusterBroker.LoadTests.Scenarios;

/// <summary>Who publishes where, who subscribes to what, and which receiver must hear which publisher.</summary>
public sealed record MessageTopology(
    IReadOnlyList<PublisherSpec> Publishers,
    IReadOnlyList<SubscriberSpec> Subscribers,
    IReadOnlyList<ReceiverExpectation> Receivers,
    bool SharedGroup = false);
