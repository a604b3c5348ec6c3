using ClusterBroker.LoadTests.Reporting;

namespace ClusterBroker.LoadTests.Compare;

/// <summary>The figures of the comparison table: throughput, p99 latency, memory per connection, connect rate, and the counts that qualify them.</summary>
public static class ComparisonMetrics
{
    public static IReadOnlyList<ComparisonMetric> For(string scenario) => scenario switch
    {
        "connect" =>
        [
            new(scenario, "connect rate", r => r.Connect?.ConnectRate, Units.Rate, true),
            new(scenario, "memory per connection", r => r.Connect?.MemoryPerConnectionBytes, Units.Bytes, false),
            new(scenario, "time to all connected", r => r.Connect?.SecondsToAllConnected, Units.Seconds, false),
            new(scenario, "CONNACK p99", r => r.Connect?.ConnectLatency.P99, v => Units.Millis((long)v), false),
            new(scenario, "failed connections", r => r.Connect?.Failed, Units.Count, false),
        ],
        "retained" =>
        [
            new(scenario, "time until all subscribers had all", r => r.Retained?.SecondsToAll, Units.Seconds, false),
            new(scenario, "retained deliveries", r => r.ReceiveRate, Units.Rate, true),
            new(scenario, "missing", r => r.Delivery.Lost, Units.Count, false),
            new(scenario, "broker CPU", r => r.BrokerCpuPercent, Units.Percent, false),
        ],
        _ =>
        [
            new(scenario, "throughput (delivered)", r => r.ReceiveRate, Units.Rate, true),
            new(scenario, "latency p99", r => r.Latency.Count > 0 ? r.Latency.P99 : null, v => Units.Millis((long)v), false),
            new(scenario, "lost / duplicates", r => r.Delivery.Lost + r.Delivery.Duplicates, Units.Count, false),
            new(scenario, "broker CPU", r => r.BrokerCpuPercent, Units.Percent, false),
        ],
    };
}
