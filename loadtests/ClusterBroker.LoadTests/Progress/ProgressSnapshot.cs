namespace ClusterBroker.LoadTests.Progress;

/// <summary>What the live view shows once per second.</summary>
public sealed record ProgressSnapshot(
    string Scenario,
    string Broker,
    string Phase,
    TimeSpan Elapsed,
    long Connections,
    long Failed,
    long Sent,
    long Received,
    double SentPerSecond,
    double ReceivedPerSecond,
    long P99Micros,
    double RunnerCpuPercent,
    double BrokerCpuPercent,
    long BrokerRssBytes);
