using System.Collections.Concurrent;
using System.Globalization;

namespace ClusterBroker.ClusterTests;

/// <summary>
/// kill -9 under load (a cluster with Redis, durable sessions): numbered QoS 2 messages flow from a publisher on
/// node 1 to persistent subscribers on node 3 (3.1.1 and 5.0, subscribed at QoS 1 and at QoS 2); node 3 is killed
/// mid-stream; the subscribers reconnect to node 2. Reports, per subscriber, messages acknowledged to the publisher,
/// delivered, lost and duplicated (separately), and the times to recovery; asserts what the broker guarantees (README
/// "Durable sessions"): the session is present
/// again, and nothing the publisher (on a surviving node) was acknowledged is lost: what node 3 was sent before it
/// was downed, and what was published toward its kept routes until the sessions continued, comes from the crash
/// replay.
/// </summary>
public sealed class Chaos_Kill_Tests(ITestOutputHelper output)
{
    // The CI run is small; loadtests/chaos.sh runs the same test longer through these variables.
    private static readonly int BeforeKill = Setting("CLUSTERBROKER_CHAOS_BEFORE_KILL", 200);
    private static readonly int AfterBack = Setting("CLUSTERBROKER_CHAOS_AFTER_BACK", 200);
    private static readonly int MaxMessages = Math.Max(20_000, (BeforeKill + AfterBack) * 20);
    private static readonly TimeSpan MaxDuration = TimeSpan.FromSeconds(Setting("CLUSTERBROKER_CHAOS_MAX_SECONDS", 90));

    // Idle persistent clients on the killed node, reconnecting after the kill: the time to a usable session (CONNACK with
    // Session Present) over many clients, reported as p50/p99 (loadtests/chaos.sh runs more of them).
    private static readonly int RecoveryClients = Setting("CLUSTERBROKER_CHAOS_RECOVERY_CLIENTS", 10);

    [Fact]
    public async Task Kill_9_under_load_keeps_persistent_sessions_and_loses_nothing_acknowledged()
    {
        await using RedisProcess redis = await RedisProcess.StartAsync();
        // room in each session's queue for what is replayed after the crash and published until the client is back
        await using TestCluster cluster = await TestCluster.StartAsync(3, "--redis", redis.Configuration, "--max-queued", "100000");
        await cluster.VerifyAsync(async () =>
        {
            string root = Unique.Topic("chaos");
            // QoS 2 subscribers are held to exactly once across the crash: a copy is a duplicate unless it is the same flow
            // sent again (DUP, same packet identifier), which a QoS 2 receiver keeps once by protocol (MQTTnet does not).
            (string Id, MqttProtocolVersion Version, MqttQualityOfServiceLevel QoS)[] subscribers =
            [
                (Unique.ClientId("chaos5"), MqttProtocolVersion.V500, Q.Q1),
                (Unique.ClientId("chaos311"), MqttProtocolVersion.V311, Q.Q1),
                (Unique.ClientId("chaos5q2"), MqttProtocolVersion.V500, Q.Q2),
                (Unique.ClientId("chaos311q2"), MqttProtocolVersion.V311, Q.Q2),
            ];
            await using MqttTestClient publisher = await MqttTestClient.ConnectAsync(cluster[1]);
            var before = new List<MqttTestClient>();
            var after = new Dictionary<string, MqttTestClient>();
            var idle = new List<(string Id, MqttTestClient Client)>();
            var recovered = new ConcurrentBag<MqttTestClient>();
            using var stop = new CancellationTokenSource(MaxDuration);
            var acked = new ConcurrentDictionary<int, DateTime>();
            Task publishing = Task.CompletedTask;
            try
            {
                foreach ((string id, MqttProtocolVersion version, MqttQualityOfServiceLevel qos) in subscribers)
                {
                    MqttTestClient client = await MqttTestClient.ConnectPersistentAsync(cluster[3], id, version);
                    before.Add(client);
                    await client.SubscribeAsync($"{root}/#", qos);
                }

                await RoutePropagation.AwaitAsync(publisher, $"{root}/probe", [.. before]);
                for (int i = 0; i < RecoveryClients; i++)
                {
                    string id = Unique.ClientId($"chaos-idle{i}");
                    MqttTestClient client = await MqttTestClient.ConnectPersistentAsync(cluster[3], id);
                    await client.SubscribeAsync($"{root}/idle/{i}", Q.Q1);
                    idle.Add((id, client));
                }

                publishing = Task.Run(async () =>
                {
                    for (int seq = 1; seq <= MaxMessages && !stop.IsCancellationRequested; seq++)
                    {
                        await publisher.PublishAsync($"{root}/stream", seq.ToString(CultureInfo.InvariantCulture), Q.Q2);
                        acked[seq] = DateTime.UtcNow;
                        await Task.Delay(5, CancellationToken.None); // pacing (about 100-150 messages/s), not synchronisation
                    }
                });

                Assert.True(await Eventually.TrueAsync(() => acked.Count >= BeforeKill || publishing.IsCompleted, Timeouts.Default), "the stream did not start");
                DateTime killedAt = DateTime.UtcNow;
                cluster[3].Crash();

                // the idle clients reconnect meanwhile, spread over the survivors, each timed from the kill to its CONNACK
                var recoverySeconds = new ConcurrentBag<double>();
                Task recovering = Task.WhenAll(idle.Select((c, i) => Task.Run(async () =>
                {
                    MqttTestClient again = await MqttTestClient.ReconnectPersistentAsync(cluster[1 + (i % 2)], c.Id, MqttProtocolVersion.V500, killedAt + Timeouts.NodeStart);
                    recoverySeconds.Add((DateTime.UtcNow - killedAt).TotalSeconds);
                    recovered.Add(again);
                })));

                var reconnectedAt = new Dictionary<string, DateTime>();
                foreach ((string id, MqttProtocolVersion version, _) in subscribers)
                {
                    after[id] = await MqttTestClient.ReconnectPersistentAsync(cluster[2], id, version, killedAt + Timeouts.NodeStart);
                    reconnectedAt[id] = DateTime.UtcNow;
                }

                await recovering;
                double[] times = [.. recoverySeconds.Order()];
                output.WriteLine(
                    $"recovery of {times.Length} idle persistent clients of the killed node (kill to CONNACK on a survivor): p50 {Percentile(times, 0.50):F1} s, " +
                    $"p99 {Percentile(times, 0.99):F1} s, max {times[^1]:F1} s; session present for {recovered.Count(c => c.ConnectResult.IsSessionPresent)} of {times.Length}");
                Assert.All(recovered, c => Assert.True(c.ConnectResult.IsSessionPresent, $"{c.ClientId}: the session was not present after the kill"));

                // as many again after both are back, then a fence behind the last one
                int backAt = acked.Count;
                Assert.True(await Eventually.TrueAsync(() => acked.Count >= backAt + AfterBack || publishing.IsCompleted, MaxDuration), "the stream stalled after the subscribers came back");
                await stop.CancelAsync();
                await publishing;
                await Fence.PassAsync(publisher, $"{root}/fence", [.. after.Values]);

                var problems = new List<string>();
                foreach ((string id, _, MqttQualityOfServiceLevel qos) in subscribers)
                {
                    MqttTestClient again = after[id];
                    DateTime continuedAt = ContinuedAt(cluster, id) ?? reconnectedAt[id];
                    List<ReceivedMessage> copies = [.. before.Single(c => c.ClientId == id).ApplicationMessages.Concat(again.ApplicationMessages)
                        .Where(m => m.Topic == $"{root}/stream")];
                    List<int> received = [.. copies.Select(m => int.Parse(m.Payload, CultureInfo.InvariantCulture))];
                    var counts = received.GroupBy(s => s).ToDictionary(g => g.Key, g => g.Count());
                    int[] lost = [.. acked.Keys.Where(s => !counts.ContainsKey(s)).Order()];
                    int duplicated = counts.Values.Sum(c => c - 1);
                    int sameFlow = SameFlowResent(copies);
                    output.WriteLine(
                        $"{id} (QoS {(int)qos}): acknowledged {acked.Count}, delivered {counts.Count} distinct, lost {lost.Length}{Range(lost)}, duplicated {duplicated} " +
                        $"({sameFlow} of them the same QoS 2 flow sent again with DUP, which the client should keep once); " +
                        $"session present {again.ConnectResult.IsSessionPresent}; continued {(continuedAt - killedAt).TotalSeconds:F1} s and reconnected {(reconnectedAt[id] - killedAt).TotalSeconds:F1} s after the kill");
                    int[] lowered = [.. before.Single(c => c.ClientId == id).ApplicationMessages.Concat(again.ApplicationMessages)
                        .Where(m => m.Topic == $"{root}/stream" && m.Qos != (int)qos).Select(m => int.Parse(m.Payload, CultureInfo.InvariantCulture))];
                    if (lowered.Length > 0)
                    {
                        problems.Add($"{id}: {lowered.Length} message(s) not delivered at the subscription's QoS {(int)qos}{Range(lowered)}");
                    }

                    if (qos == Q.Q2 && duplicated - sameFlow > 0)
                    {
                        problems.Add($"{id}: QoS 2 delivered {duplicated - sameFlow} message(s) twice as new flows");
                    }

                    if (!again.ConnectResult.IsSessionPresent)
                    {
                        problems.Add($"{id}: the session was not present after the kill");
                    }

                    if (lost.Length > 0)
                    {
                        DateTime at = continuedAt;
                        problems.Add($"{id}: lost {lost.Length} acknowledged message(s){Range(lost)}, {lost.Count(s => acked[s] > at)} of them acknowledged after its session continued");
                    }
                }

                output.WriteLine($"node 3 killed at {killedAt:HH:mm:ss.fff} (the survivors' lines below say when it was found unreachable, downed and removed)");
                foreach (ClusterNode survivor in new[] { cluster[1], cluster[2] })
                {
                    foreach (string line in survivor.Log.Snapshot().Where(l => l.Contains("Crash replay", StringComparison.Ordinal) || l.Contains("continues on this node", StringComparison.Ordinal)
                        || l.Contains("is unreachable", StringComparison.Ordinal) || l.Contains("SBR took decision", StringComparison.Ordinal) || l.Contains("was removed", StringComparison.Ordinal)
                        || l.Contains("Takeover of client", StringComparison.Ordinal) || l.Contains("Session recovery", StringComparison.Ordinal)))
                    {
                        output.WriteLine($"{survivor.Name}: {line}");
                    }
                }

                Assert.True(problems.Count == 0, string.Join("; ", problems));
            }
            finally
            {
                await stop.CancelAsync();
                await publishing.ContinueWith(_ => { }, TaskScheduler.Default);
                foreach (MqttTestClient client in before.Concat(after.Values).Concat(idle.Select(c => c.Client)).Concat(recovered))
                {
                    await client.DisposeAsync();
                }
            }
        });
    }

    /// <summary>
    /// Copies that repeat an earlier copy's QoS 2 flow: DUP set and the same packet identifier as an earlier copy of the same
    /// message. A QoS 2 receiver keeps such a PUBLISH once (it has not released that identifier); MQTTnet hands it on again.
    /// </summary>
    private static int SameFlowResent(List<ReceivedMessage> copies)
    {
        var flows = new HashSet<(string Payload, ushort PacketId)>();
        int resent = 0;
        foreach (ReceivedMessage copy in copies)
        {
            if (!flows.Add((copy.Payload, copy.PacketId)) && copy.Dup && copy.Qos == 2)
            {
                resent++;
            }
        }

        return resent;
    }

    /// <summary>When a survivor logged that the client's session continues there (its clock is this machine's).</summary>
    private static DateTime? ContinuedAt(TestCluster cluster, string clientId)
    {
        foreach (ClusterNode survivor in new[] { cluster[1], cluster[2] })
        {
            string? line = survivor.Log.Snapshot().FirstOrDefault(l => l.Contains($"Session of client {clientId} continues on this node", StringComparison.Ordinal));
            if (line is not null && DateTime.TryParse(line.Split(' ')[0], CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out DateTime at))
            {
                return at;
            }
        }

        return null;
    }

    /// <summary>The nearest-rank percentile of sorted values.</summary>
    private static double Percentile(double[] sorted, double p) => sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Length) - 1, 0, sorted.Length - 1)];

    private static int Setting(string name, int fallback) =>
        int.TryParse(Environment.GetEnvironmentVariable(name), NumberStyles.Integer, CultureInfo.InvariantCulture, out int value) && value > 0 ? value : fallback;

    private static string Range(int[] seqs) => seqs.Length == 0 ? "" : $" (sequence {seqs[0]}..{seqs[^1]})";
}
