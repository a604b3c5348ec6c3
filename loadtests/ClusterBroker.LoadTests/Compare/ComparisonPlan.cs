using ClusterBroker.LoadTests.Configuration;

namespace ClusterBroker.LoadTests.Compare;

/// <summary>
/// The scenario set run against every broker, sized for a 2-core machine: about 90 seconds per broker,
/// so three brokers finish well inside ten minutes.
/// </summary>
public static class ComparisonPlan
{
    public static IReadOnlyList<ComparisonStep> Standard()
    {
        var common = new RunSettings { Live = false, WarmupSeconds = 2, DurationSeconds = 8, DrainSeconds = 5, MaxRunSeconds = 120 };
        return
        [
            new("connect", "connect: 5,000 connections at 2,000/s, held 5 s", common with { Clients = 5000, ConnectRate = 2000, DurationSeconds = 5 }),
            new("fan-in", "fan-in: 10 publishers -> 1 subscriber, QoS 1, max rate (inflight 32)", common with { Clients = 10, Qos = 1, Rate = 0, Inflight = 32, PayloadBytes = 64 }),
            new("fan-out", "fan-out: 1 publisher -> 200 subscribers, QoS 0, 100 msg/s", common with { Clients = 200, Qos = 0, Rate = 100, PayloadBytes = 64 }),
            new("p2p", "p2p: 200 pairs, QoS 1, 10 msg/s each", common with { Clients = 200, Qos = 1, Rate = 10, PayloadBytes = 64 }),
            new("shared", "shared: 4 publishers -> $share group of 4, QoS 1, max rate (inflight 32)", common with { Clients = 4, Subscribers = 4, Qos = 1, Rate = 0, Inflight = 32, PayloadBytes = 64, Protocol = MqttProtocol.V500 }),
            new("retained", "retained: 2,000 retained messages -> 50 subscribers on #", common with { Clients = 50, RetainedMessages = 2000, Qos = 1, DurationSeconds = 30 }),
        ];
    }
}
