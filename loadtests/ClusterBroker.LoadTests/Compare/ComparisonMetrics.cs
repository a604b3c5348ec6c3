using ClusterBroker.LoadTests.Reporting;

namespace ClusterBroker.LoadTests.Compare;

/// <summary>The figures of the comparison table: throughput, p99 latency, memory per connection, connect rate, and the counts that qualify them.</summary>
public static class ComparisonMetrics
{
    public static IReadOnlyList<ComparisonMetric> For(ComparisonStep step) => For(step.Key, step.Scenario);

    private static IReadOnlyList<ComparisonMetric> For(string key, string scenario) => scenario switch
    {
        "connect" =>
        [
            new(key, "connect rate", r => r.Connect?.ConnectRate, Units.Rate, true),
            new(key, "memory per connection", r => r.Connect?.MemoryPerConnectionBytes, Units.Bytes, false),
            new(key, "time to all connected", r => r.Connect?.SecondsToAllConnected, Units.Seconds, false),
            new(key, "CONNACK p99", r => r.Connect?.ConnectLatency.P99, v => Units.Millis((long)v), false),
            new(key, "failed connections", r => r.Connect?.Failed, Units.Count, false),
        ],
        "retained" =>
        [
            new(key, "time until all subscribers had all", r => r.Retained?.SecondsToAll, Units.Seconds, false),
            new(key, "retained deliveries", r => r.ReceiveRate, Units.Rate, true),
            new(key, "missing", r => r.Delivery.Lost, Units.Count, false),
            Cpu(key),
        ],
        _ =>
        [
            new(key, "throughput (delivered)", r => r.ReceiveRate, Units.Rate, true),
            new(key, "publishes accepted", r => r.SendRate, Units.Rate, true),
            new(key, "latency p99", r => r.Latency.Count > 0 ? r.Latency.P99 : null, v => Units.Millis((long)v), false),
            new(key, "lost / duplicates", r => r.Delivery.Lost + r.Delivery.Duplicates, Units.Count, false),
            Cpu(key),
        ],
    };

    /// <summary>Broker CPU (the ratio compares it) shown next to the runner's, since both share the two cores.</summary>
    private static ComparisonMetric Cpu(string key) =>
        new(key, "CPU broker / runner", r => r.BrokerCpuPercent, Units.Percent, false)
        {
            Display = r => $"{Units.Percent(r.BrokerCpuPercent)} / {Units.Percent(r.RunnerCpuPercent)}",
        };
}
