using System.Collections.Concurrent;
using System.Globalization;

namespace ClusterBroker.ClusterTests;

/// <summary>
/// Redis lost and restarted during traffic (issue 9): publishing to ordinary subscribers never waits on Redis and
/// loses nothing; a retained write Redis cannot confirm is reported lost (log line), never silently dropped; when
/// Redis returns, with its data or empty, every node converges on what Redis holds and new retained messages work.
/// </summary>
public sealed class Redis_Restart_Tests
{
    [Fact]
    public async Task Redis_restarted_with_and_without_its_data_during_traffic_plain_delivery_never_waits_and_every_node_converges()
    {
        await using RedisProcess redis = await RedisProcess.StartAsync(appendOnly: true);
        await using TestCluster cluster = await TestCluster.StartAsync(3, "--redis", redis.Configuration, "--Redis:OperationTimeout", "00:00:02", "--Redis:ReconcileInterval", "00:00:01");
        await cluster.VerifyAsync(async () =>
        {
            string root = Unique.Topic("redis-restart");
            await using MqttTestClient publisher = await MqttTestClient.ConnectAsync(cluster[1]);
            await publisher.PublishAsync(RetainedProbe.Message($"{root}/r/before", "kept"));
            await using MqttTestClient subscriber = await MqttTestClient.ConnectAsync(cluster[2]);
            await subscriber.SubscribeAsync($"{root}/plain/#", Q.Q1);
            await RoutePropagation.AwaitAsync(publisher, $"{root}/plain/probe", subscriber);

            // a plain QoS 1 stream from node 1 to node 2 throughout
            using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(120));
            var acked = new ConcurrentBag<int>();
            await using MqttTestClient streamer = await MqttTestClient.ConnectAsync(cluster[1]);
            Task stream = Task.Run(async () =>
            {
                for (int seq = 1; seq <= 50_000 && !stop.IsCancellationRequested; seq++)
                {
                    await streamer.PublishAsync($"{root}/plain/m", seq.ToString(CultureInfo.InvariantCulture), Q.Q1);
                    acked.Add(seq);
                    await Task.Delay(5, CancellationToken.None); // pacing, not synchronisation
                }
            });
            int Delivered() => subscriber.ApplicationMessages.Count(m => m.Topic == $"{root}/plain/m");
            try
            {
                Assert.True(await Eventually.TrueAsync(() => Delivered() >= 50), "the stream did not start");

                await redis.StopAsync();
                int atOutage = Delivered();
                Assert.True(await Eventually.TrueAsync(() => Delivered() >= atOutage + 100, Timeouts.Mqtt), "plain delivery stalled while Redis was down");

                // a retained write while Redis is down: acknowledged after Redis:OperationTimeout and reported lost
                await publisher.PublishAsync(RetainedProbe.Message($"{root}/r/during", "unconfirmed"));
                await cluster[1].WaitForLogAsync(l => l.Contains($"Retained message on '{root}/r/during' not stored", StringComparison.Ordinal), "the lost retained write reported");
                int beforeReturn = Delivered();
                Assert.True(await Eventually.TrueAsync(() => Delivered() >= beforeReturn + 50, Timeouts.Mqtt), "plain delivery stalled while Redis was down");

                // Redis back with its data: every node sees what it holds, and a new retained message everywhere
                await redis.StartAgainAsync();
                await RedisBackOnAsync(cluster, restarts: 1);
                await publisher.PublishAsync(RetainedProbe.Message($"{root}/r/after", "new"));
                await AllNodesSeeAsync(cluster, redis, root, [($"{root}/r/after", "new"), ($"{root}/r/before", "kept")]);

                // Redis back empty: every node drops what Redis no longer has, and new retained messages work
                await redis.RestartAsync(keepData: false);
                await RedisBackOnAsync(cluster, restarts: 2);
                await publisher.PublishAsync(RetainedProbe.Message($"{root}/r/fresh", "fresh"));
                await AllNodesSeeAsync(cluster, redis, root, [($"{root}/r/fresh", "fresh")]);

                await stop.CancelAsync();
                await stream;
                await Fence.PassAsync(publisher, $"{root}/plain/fence", subscriber);
                int[] received = [.. subscriber.ApplicationMessages.Where(m => m.Topic == $"{root}/plain/m").Select(m => int.Parse(m.Payload, CultureInfo.InvariantCulture))];
                int[] lost = [.. acked.Except(received).Order()];
                Assert.True(lost.Length == 0, $"plain messages lost across the Redis restarts: {lost.Length} of {acked.Count} ({string.Join(", ", lost.Take(20))})");
            }
            finally
            {
                await stop.CancelAsync();
                await stream.ContinueWith(_ => { }, TaskScheduler.Default);
            }
        });
    }

    /// <summary>Each node's interactive connection to Redis came back (a write made before goes to the backlog and may time out).</summary>
    private static async Task RedisBackOnAsync(TestCluster cluster, int restarts)
    {
        foreach (int number in new[] { 1, 2, 3 })
        {
            await cluster[number].WaitForLogAsync(
                lines => lines.Count(l => l.Contains("Redis: Interactive connection to", StringComparison.Ordinal) && l.Contains("restored", StringComparison.Ordinal)) >= restarts,
                $"the Redis connection restored ({restarts})");
        }
    }

    /// <summary>Every node, to a new subscriber of root/r/#, gives exactly these retained messages (within the bound).</summary>
    private static async Task AllNodesSeeAsync(TestCluster cluster, RedisProcess redis, string root, (string Topic, string Payload)[] expected)
    {
        foreach (int number in new[] { 1, 2, 3 })
        {
            List<(string Topic, string Payload)> seen;
            DateTime deadline = DateTime.UtcNow + Timeouts.Default;
            bool converged;
            while (!(converged = (seen = await RetainedProbe.SeenOnAsync(cluster[number], root, $"{root}/r/#")).SequenceEqual(expected)) && DateTime.UtcNow < deadline)
            {
                await Task.Delay(200); // polling interval of a bounded wait
            }

            if (!converged)
            {
                string inRedis = await redis.CommandAsync("HKEYS clusterbroker:{retained}:messages");
                Assert.Fail($"node {number} sees [{string.Join(", ", seen)}], expected [{string.Join(", ", expected)}]; Redis holds: {inRedis.Replace("\r\n", " ", StringComparison.Ordinal)}");
            }
        }
    }
}
