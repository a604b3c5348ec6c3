namespace ClusterBroker.LoadTests.Scenarios;

/// <summary>One second of a run: rates, latency of messages received in that second, CPU and memory.</summary>
public sealed record TimelinePoint(
    double Second,
    bool WarmUp,
    double SentPerSecond,
    double ReceivedPerSecond,
    long P50Micros,
    long P99Micros,
    long MaxMicros,
    double RunnerCpuPercent,
    double BrokerCpuPercent,
    long BrokerRssBytes,
    long Connections);
