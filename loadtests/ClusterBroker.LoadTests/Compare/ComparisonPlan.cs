using ClusterBroker.LoadTests.Configuration;

namespace ClusterBroker.LoadTests.Compare;

/// <summary>
/// The scenario set run against every broker, sized for a 2-core machine: about 100 seconds per broker,
/// so three brokers finish inside ten minutes. Rates stay below what one subscriber can take, except
/// p2p-max and p2p-max-qos0, so that default broker queue limits (mosquitto: 1,000 queued; MQTTnet: 250 pending) do not turn
/// the runner's own limits into broker losses.
/// </summary>
public static class ComparisonPlan
{
    /// <summary>
    /// Run against each broker before its measured scenarios, and not reported. The runner is a .NET process
    /// too: until its own hot paths are compiled at the optimizing tier (several seconds at full load, more when
    /// the broker leaves it little CPU), it publishes at a half to a third of its later rate. Without this, the
    /// first broker measured got a cold runner and the others a warm one; now every broker, and the runner, are
    /// warm when measuring starts.
    /// </summary>
    public static ComparisonStep WarmUp() =>
        new("warm-up", "p2p", "p2p, 20 pairs, QoS 1, full speed for 10 s",
            new RunSettings { Live = false, WarmupSeconds = 0, DurationSeconds = 10, DrainSeconds = 2, MaxRunSeconds = 60, Clients = 20, Qos = 1, Rate = 0, Inflight = 16 });

    public static IReadOnlyList<ComparisonStep> Standard()
    {
        var common = new RunSettings { Live = false, WarmupSeconds = 2, DurationSeconds = 8, DrainSeconds = 5, MaxRunSeconds = 120 };
        return
        [
            new("connect", "connect: 5,000 connections at 2,000/s, held 5 s", common with { Clients = 5000, ConnectRate = 2000, DurationSeconds = 5 }),
            new("fan-in", "fan-in: 10 publishers -> 1 subscriber, QoS 1, 5,000 msg/s in total", common with { Clients = 10, Qos = 1, Rate = 5000, RateScope = RateScope.Total }),
            new("fan-out", "fan-out: 1 publisher -> 100 subscribers, QoS 0, 100 msg/s (10,000 deliveries/s)", common with { Clients = 100, Qos = 0, Rate = 100 }),
            new("p2p", "p2p: 200 pairs, QoS 1, 10 msg/s each (2,000 msg/s)", common with { Clients = 200, Qos = 1, Rate = 10 }),
            new("p2p-max", "p2p", "p2p-max: p2p at full speed: 20 pairs, QoS 1, as fast as 16 in flight per publisher allow", common with { Clients = 20, Qos = 1, Rate = 0, Inflight = 16 }),
            new("p2p-max-qos0", "p2p", "p2p-max-qos0: 10 pairs, QoS 0, publishers as fast as they can (nothing bounds QoS 0: a broker that reads faster than the subscribers take drops the excess)", common with { Clients = 10, Qos = 0, Rate = 0 }),
            new("shared", "shared (MQTT 5): 4 publishers -> $share group of 4, QoS 1, 4,000 msg/s in total", common with { Clients = 4, Subscribers = 4, Qos = 1, Rate = 4000, RateScope = RateScope.Total, Protocol = MqttProtocol.V500 }),
            new("retained", "retained: 200 retained messages -> 100 subscribers on #, QoS 1", common with { Clients = 100, RetainedMessages = 200, Qos = 1, DurationSeconds = 30 }),
        ];
    }
}
