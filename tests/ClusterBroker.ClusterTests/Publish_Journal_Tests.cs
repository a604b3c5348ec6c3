using System.Collections.Concurrent;
using System.Globalization;

namespace ClusterBroker.ClusterTests;

/// <summary>
/// The publish journal of durable sessions (issue 10): a QoS 1/2 message is written to Redis before its publisher's
/// acknowledgement. (1) kill -9 of the node the publisher is connected to: every message that node acknowledged reaches
/// the persistent subscribers, on a surviving node and on the dead node (continued elsewhere), although the node died
/// with some of them not passed on yet: a survivor routes the dead node's journal again. (2) Redis stopped under
/// traffic: no publish for a persistent session is acknowledged as a success unless it was stored (5.0: PUBACK 0x80;
/// 3.1.1: the connection is closed unacknowledged), and every message acknowledged as a success is delivered.
/// Counted per subscriber: acknowledged, delivered, lost (acknowledged, never delivered) and duplicated, apart.
/// </summary>
public sealed class Publish_Journal_Tests(ITestOutputHelper output)
{
    // loadtests/chaos.sh runs the kill test longer through this variable (messages acknowledged before the kill).
    private static readonly int BeforeKill = int.TryParse(Environment.GetEnvironmentVariable("CLUSTERBROKER_CHAOS_BEFORE_KILL"), out int n) && n > 0 ? n : 500;

    [Fact]
    public async Task Kill_9_of_the_publishers_node_loses_nothing_it_acknowledged_for_persistent_sessions()
    {
        await using RedisProcess redis = await RedisProcess.StartAsync();
        await using TestCluster cluster = await TestCluster.StartAsync(3, "--redis", redis.Configuration, "--max-queued", "100000");
        await cluster.VerifyAsync(async () =>
        {
            string root = Unique.Topic("journal-kill");
            // one persistent subscriber on a survivor, one on the node that dies (it continues on node 1)
            (string Id, MqttProtocolVersion Version, int Home, int Back)[] subscribers =
            [
                (Unique.ClientId("jk-survivor5"), MqttProtocolVersion.V500, 2, 2),
                (Unique.ClientId("jk-victim311"), MqttProtocolVersion.V311, 3, 1),
            ];
            var connections = subscribers.ToDictionary(s => s.Id, _ => new List<MqttTestClient>());
            await using MqttTestClient publisher = await MqttTestClient.ConnectAsync(cluster[3], Unique.ClientId("jk-pub"));
            await using MqttTestClient fencer = await MqttTestClient.ConnectAsync(cluster[1], Unique.ClientId("jk-fence"));
            var acked = new ConcurrentDictionary<int, DateTime>();
            string? streamEnd = null;
            using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            Task publishing = Task.CompletedTask;
            try
            {
                foreach ((string id, MqttProtocolVersion version, int home, _) in subscribers)
                {
                    MqttTestClient client = await MqttTestClient.ConnectPersistentAsync(cluster[home], id, version);
                    connections[id].Add(client);
                    await client.SubscribeAsync($"{root}/#", Q.Q1);
                }

                await RoutePropagation.AwaitAsync(publisher, $"{root}/probe", [.. connections.Values.Select(c => c[0])]);

                // Unpaced: the node dies with forwards and deliveries in flight.
                publishing = Task.Run(async () =>
                {
                    for (int seq = 1; seq <= Math.Max(50_000, BeforeKill * 10) && !stop.IsCancellationRequested; seq++)
                    {
                        try
                        {
                            await publisher.PublishAsync($"{root}/stream", seq.ToString(CultureInfo.InvariantCulture), Q.Q1);
                        }
                        catch (Exception e)
                        {
                            streamEnd = $"message {seq} not acknowledged: {e.GetType().Name}: {e.Message}";
                            return; // the node died: this one was not acknowledged
                        }

                        acked[seq] = DateTime.UtcNow;
                    }
                }, CancellationToken.None);

                Assert.True(await Eventually.TrueAsync(() => acked.Count >= BeforeKill || publishing.IsCompleted, Timeouts.Default), "the stream did not start");
                Assert.False(publishing.IsCompleted, $"the stream ended before the kill, after {acked.Count} acknowledged: {streamEnd}");
                cluster[3].Crash();
                await publishing.WaitAsync(Timeouts.Default);
                output.WriteLine($"killed node 3 after {acked.Count} acknowledged; the stream ended with {streamEnd}");

                foreach ((string id, MqttProtocolVersion version, int home, int back) in subscribers.Where(s => s.Home == 3))
                {
                    connections[id].Add(await MqttTestClient.ReconnectPersistentAsync(cluster[back], id, version, DateTime.UtcNow + Timeouts.NodeStart));
                }

                // one survivor (the lowest address) routes the dead node's journal again
                static bool Replayed(string l) => l.Contains("publish journal", StringComparison.OrdinalIgnoreCase) && l.Contains("routed again", StringComparison.Ordinal);
                Assert.True(
                    await Eventually.TrueAsync(() => cluster[1].Log.Snapshot().Any(Replayed) || cluster[2].Log.Snapshot().Any(Replayed), Timeouts.Default),
                    "no survivor routed the dead node's journal again");
                await Fence.PassAsync(fencer, $"{root}/fence", [.. connections.Values.Select(c => c[^1])]);

                var problems = new List<string>();
                foreach ((string id, _, int home, _) in subscribers)
                {
                    var counts = connections[id].SelectMany(c => c.ApplicationMessages).Where(m => m.Topic == $"{root}/stream")
                        .GroupBy(m => int.Parse(m.Payload, CultureInfo.InvariantCulture)).ToDictionary(g => g.Key, g => g.Count());
                    int[] lost = [.. acked.Keys.Where(s => !counts.ContainsKey(s)).Order()];
                    output.WriteLine($"{id}: acknowledged {acked.Count}, delivered {counts.Count} distinct, lost {lost.Length}{Range(lost)}, duplicated {counts.Values.Sum(c => c - 1)}");
                    if (lost.Length > 0)
                    {
                        problems.Add($"{id}: lost {lost.Length} acknowledged message(s){Range(lost)}");
                    }

                    // a session that stayed on a survivor had the forwarded originals: their replayed copies skip it (ReceivedForwards)
                    int repeated = counts.Values.Sum(c => c - 1);
                    if (home != 3 && repeated > 0)
                    {
                        problems.Add($"{id}: {repeated} replayed copies of messages it had were delivered again");
                    }
                }

                foreach (ClusterNode survivor in new[] { cluster[1], cluster[2] })
                {
                    foreach (string line in survivor.Log.Snapshot().Where(l => l.Contains("Crash replay", StringComparison.Ordinal)))
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
                foreach (MqttTestClient client in connections.Values.SelectMany(c => c))
                {
                    await client.DisposeAsync();
                }
            }
        });
    }

    // The CI run is small; loadtests/chaos.sh redis runs it longer through these variables.
    private static readonly int BeforeRedisStops = Setting("CLUSTERBROKER_REDIS_STOP_BEFORE", 100);
    private static readonly int AfterRedisReturns = Setting("CLUSTERBROKER_REDIS_STOP_AFTER", 100);

    private static int Setting(string name, int fallback) =>
        int.TryParse(Environment.GetEnvironmentVariable(name), NumberStyles.Integer, CultureInfo.InvariantCulture, out int value) && value > 0 ? value : fallback;

    [Fact]
    public async Task With_Redis_stopped_no_publish_is_acknowledged_as_a_success_unless_stored_and_every_success_is_delivered()
    {
        await using RedisProcess redis = await RedisProcess.StartAsync(appendOnly: true);
        await using TestCluster cluster = await TestCluster.StartAsync(2, "--redis", redis.Configuration, "--Redis:OperationTimeout", "00:00:02", "--max-queued", "100000");
        await cluster.VerifyAsync(async () =>
        {
            string root = Unique.Topic("journal-redis");
            string subscriberId = Unique.ClientId("jr-sub");
            var subscriber = new List<MqttTestClient> { await MqttTestClient.ConnectPersistentAsync(cluster[2], subscriberId) };
            await using MqttTestClient publisher5 = await MqttTestClient.ConnectAsync(cluster[1], Unique.ClientId("jr-pub5"));
            await using MqttTestClient publisher311 = await MqttTestClient.ConnectAsync(cluster[1], Unique.ClientId("jr-pub311"), MqttProtocolVersion.V311);
            var acked = new ConcurrentDictionary<int, bool>();
            var refused = new ConcurrentDictionary<int, string>();
            using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(90 + ((BeforeRedisStops + AfterRedisReturns) / 50)));
            Task publishing = Task.CompletedTask;
            try
            {
                await subscriber[0].SubscribeAsync($"{root}/#", Q.Q1);
                await RoutePropagation.AwaitAsync(publisher5, $"{root}/probe", subscriber[0]);

                // 5.0, paced: each message is acknowledged as a success or refused, never left open
                publishing = Task.Run(async () =>
                {
                    for (int seq = 1; seq <= Math.Max(20_000, (BeforeRedisStops + AfterRedisReturns) * 20) && !stop.IsCancellationRequested; seq++)
                    {
                        try
                        {
                            await publisher5.PublishAsync($"{root}/stream", seq.ToString(CultureInfo.InvariantCulture), Q.Q1);
                            acked[seq] = true;
                        }
                        catch (Exception e)
                        {
                            refused[seq] = e.Message;
                        }

                        await Task.Delay(5, CancellationToken.None); // pacing, not synchronisation
                    }
                }, CancellationToken.None);

                Assert.True(await Eventually.TrueAsync(() => acked.Count >= BeforeRedisStops, Timeouts.Default + TimeSpan.FromMilliseconds(BeforeRedisStops * 20)), "the stream did not start");
                await redis.StopAsync();
                Assert.True(await Eventually.TrueAsync(() => !refused.IsEmpty, Timeouts.Default), "no publish was refused while Redis was down");
                Assert.Contains("UnspecifiedError", refused.First().Value, StringComparison.Ordinal);

                // 3.1.1 has no negative PUBACK: the connection is closed, the message unacknowledged
                Task publish311 = publisher311.PublishAsync($"{root}/v311", "unstored", Q.Q1);
                await publisher311.Disconnected.WaitAsync(Timeouts.Default);
                Assert.False(publish311.IsCompletedSuccessfully, "the 3.1.1 PUBLISH was acknowledged while Redis was down");
                await cluster[1].WaitForLogAsync(l => l.Contains("publish journal", StringComparison.OrdinalIgnoreCase) && l.Contains("failed", StringComparison.Ordinal), "the failed journal writes logged");

                await redis.StartAgainAsync();
                int ackedAtReturn = acked.Count;
                Assert.True(await Eventually.TrueAsync(() => acked.Count >= ackedAtReturn + AfterRedisReturns, Timeouts.Default + TimeSpan.FromMilliseconds(AfterRedisReturns * 20)), "publishing did not succeed again after Redis came back");
                await stop.CancelAsync();
                await publishing;

                // the subscriber reconnects (its session from the store) and fences
                await subscriber[0].DisconnectAsync();
                subscriber.Add(await MqttTestClient.ConnectPersistentAsync(cluster[1], subscriberId));
                Assert.True(subscriber[^1].ConnectResult.IsSessionPresent, "the persistent session was not present after Redis came back");
                await Fence.PassAsync(publisher5, $"{root}/fence", subscriber[^1]);

                var counts = subscriber.SelectMany(c => c.ApplicationMessages).Where(m => m.Topic == $"{root}/stream")
                    .GroupBy(m => int.Parse(m.Payload, CultureInfo.InvariantCulture)).ToDictionary(g => g.Key, g => g.Count());
                int[] lost = [.. acked.Keys.Where(s => !counts.ContainsKey(s)).Order()];
                output.WriteLine($"acknowledged {acked.Count}, refused {refused.Count}, delivered {counts.Count} distinct, lost {lost.Length}{Range(lost)}, duplicated {counts.Values.Sum(c => c - 1)}");
                Assert.True(lost.Length == 0, $"lost {lost.Length} message(s) acknowledged as a success{Range(lost)}");
                Assert.True(acked.Keys.All(s => !refused.ContainsKey(s)), "a message was both acknowledged and refused");
            }
            finally
            {
                await stop.CancelAsync();
                await publishing.ContinueWith(_ => { }, TaskScheduler.Default);
                foreach (MqttTestClient client in subscriber)
                {
                    await client.DisposeAsync();
                }
            }
        });
    }

    private static string Range(int[] seqs) => seqs.Length == 0 ? "" : $" (sequence {seqs[0]}..{seqs[^1]})";
}
