using ClusterBroker.LoadTests.Measurement;

namespace ClusterBroker.LoadTests.Scenarios;

/// <summary>
/// The retained scenario's figures: how long each subscriber took to receive every retained message, and how long
/// publishing the retained set took (from the first PUBLISH until the last was acknowledged; 0 when not measured).
/// </summary>
public sealed record RetainedFigures(
    int RetainedMessages,
    int Subscribers,
    int SubscribersComplete,
    double SecondsToAll,
    LatencySummary TimeToAllPerSubscriber,
    double PublishSeconds = 0)
{
    /// <summary>Retained messages stored (acknowledged) per second while publishing the set; 0 when not measured.</summary>
    public double PublishRate => PublishSeconds > 0 ? RetainedMessages / PublishSeconds : 0;
}
