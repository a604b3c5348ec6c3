using ClusterBroker.LoadTests.Measurement;

namespace ClusterBroker.LoadTests.Scenarios;

/// <summary>The retained scenario's figures: how long each subscriber took to receive every retained message.</summary>
public sealed record RetainedFigures(
    int RetainedMessages,
    int Subscribers,
    int SubscribersComplete,
    double SecondsToAll,
    LatencySummary TimeToAllPerSubscriber);
