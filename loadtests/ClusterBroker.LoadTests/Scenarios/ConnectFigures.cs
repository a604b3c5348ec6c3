using ClusterBroker.LoadTests.Measurement;

namespace ClusterBroker.LoadTests.Scenarios;

/// <summary>The connect scenario's figures. Memory per connection is null when no broker PID was given.</summary>
public sealed record ConnectFigures(
    long Attempted,
    long Connected,
    long Failed,
    long Dropped,
    long PingResponses,
    double ConnectRate,
    double SecondsToAllConnected,
    LatencySummary ConnectLatency,
    long? BrokerRssBeforeBytes,
    long? BrokerRssHoldingBytes,
    double? MemoryPerConnectionBytes,
    int Workers,
    IReadOnlyDictionary<string, long> FailureReasons);
