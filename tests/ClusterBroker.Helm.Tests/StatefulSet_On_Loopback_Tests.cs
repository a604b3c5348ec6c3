using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Xunit.Abstractions;

namespace ClusterBroker.Helm.Tests;

/// <summary>
/// The chart's StatefulSet run on this machine: render it for 3 replicas, start 3 broker processes with exactly the
/// arguments and environment each pod gets (pod DNS names mapped to 127.0.0.1-3, see <see cref="RenderedPod"/>), check
/// they form one cluster and serve publish/subscribe across pods, then roll them one by one as Kubernetes does
/// (SIGTERM, exit 0, start again, wait for /health/ready, next) under QoS 1 traffic to persistent subscribers, and
/// check that nothing the broker acknowledged is lost.
/// </summary>
/// <remarks>
/// Sessions move during the roll (a pod drains its clients, they resume on another pod), and nothing may be lost then
/// either: a resumed session's old node forgets it only once the new node's routes reached every node and every
/// node's forwards sent before have arrived; a leaving pod that moves its offline sessions' subscriptions to other
/// pods leaves only once those routes reached every node; session messages sharding drops while a shard is handed
/// off are sent again. A failure names, per subscriber, what it missed and whether that was during its move.
/// </remarks>
public class StatefulSet_On_Loopback_Tests(ITestOutputHelper output)
{
    private const string AdminToken = "loopback-admin-token";
    private static readonly TimeSpan s_ready = TimeSpan.FromSeconds(90);
    private static readonly TimeSpan s_exit = TimeSpan.FromSeconds(90);

    // How many times every pod is rolled (one in CI; loadtests/chaos.sh roll runs more).
    private static readonly int s_rounds = int.TryParse(Environment.GetEnvironmentVariable("CLUSTERBROKER_ROLL_ROUNDS"), out int rounds) && rounds > 0 ? rounds : 1;

    [Fact]
    public async Task Three_pods_as_the_chart_renders_them_form_one_cluster_and_roll_one_by_one_losing_nothing()
    {
        int[] ports = BrokerProcess.FreePorts(5);
        int mqttPort = ports[0], httpPort = ports[1], clusterPort = ports[2], redisPort = ports[3], forwardPort = ports[4];
        // The chart's default Redis mode, external: a real redis-server with a password the chart puts in a Secret.
        const string RedisPassword = "loopback-redis-password";
        using BrokerProcess redis = BrokerProcess.StartRedis(redisPort, RedisPassword);
        Rendered rendered = Chart.Render(
            "replicaCount=3", $"mqtt.port={mqttPort}", $"http.port={httpPort}", $"cluster.port={clusterPort}",
            $"cluster.forwardPort={forwardPort}", $"http.adminToken={AdminToken}", "drain.periodSeconds=1", "cluster.stableAfterSeconds=5",
            $"redis.external.address=127.0.0.1:{redisPort}", $"redis.external.password={RedisPassword}");
        Assert.True(rendered.SchemaErrors.Count == 0, rendered.SchemaErrorText);
        List<RenderedPod> pods = RenderedPod.All(rendered);
        Assert.Equal(3, pods.Count);
        output.WriteLine("pod 0: dotnet ClusterBroker.Host.dll " + string.Join(' ', pods[0].Args));
        output.WriteLine("pod 0 environment: " + string.Join(", ", pods[0].Environment.Keys.Order()));
        Assert.Equal($"127.0.0.1:{redisPort},password={RedisPassword}", pods[0].Environment["ClusterBroker__Redis__Configuration"]);

        var processes = new BrokerProcess?[pods.Count];
        var ready = new ReadyPods(pods.Select(p => p.Address).ToList());
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        var subscribers = new List<PersistentSubscriber>();
        SequencePublisher? publisher = null;
        try
        {
            for (int i = 0; i < pods.Count; i++)
                processes[i] = BrokerProcess.Start(pods[i].Args, pods[i].Environment);
            await Task.WhenAll(pods.Select(p => WaitReadyAsync(http, p, processes[p.Ordinal]!, httpPort)));
            foreach (RenderedPod pod in pods)
                ready.Set(pod.Ordinal, true);

            // One cluster: every pod sees the same three members Up.
            foreach (RenderedPod pod in pods)
                await WaitForMembersUpAsync(http, pod, httpPort, 3, processes);

            // Publish/subscribe across pods: one persistent subscriber per pod, messages published on pod 0.
            for (int i = 0; i < pods.Count; i++)
            {
                var subscriber = new PersistentSubscriber($"roll-sub-{i}", ready, mqttPort);
                await subscriber.StartAsync(pods[i].Address);
                subscribers.Add(subscriber);
            }
            publisher = new SequencePublisher(new ReadyPods([pods[0].Address]), mqttPort);
            // Routes reach the other pods asynchronously: publish probes until every subscriber has one.
            int probe = 0;
            await Eventually(async () =>
            {
                await publisher.PublishOnceAsync(++probe);
                return subscribers.All(s => !s.Received.IsEmpty);
            }, TimeSpan.FromSeconds(30), "a message published on pod 0 did not reach the subscribers on every pod", processes);
            await publisher.DisposeAsync();

            // Roll under traffic, highest ordinal first as the StatefulSet controller does.
            publisher = new SequencePublisher(ready, mqttPort);
            publisher.Start();
            await Eventually(() => Task.FromResult(publisher.Acknowledged.Count >= 50), TimeSpan.FromSeconds(30), "the publisher got no acknowledgements", processes);
            for (int round = 1; round <= s_rounds; round++)
            {
                for (int ordinal = pods.Count - 1; ordinal >= 0; ordinal--)
                {
                    RenderedPod pod = pods[ordinal];
                    output.WriteLine($"{DateTime.UtcNow:HH:mm:ss.fff} round {round}: SIGTERM to pod {ordinal} ({pod.Address})");
                    ready.Set(ordinal, false);
                    BrokerProcess old = processes[ordinal]!;
                    old.Terminate();
                    int? exitCode = await old.WaitForExitAsync(s_exit);
                    Assert.True(exitCode == 0, $"pod {ordinal} exited with {exitCode?.ToString() ?? "nothing (still running)"} after SIGTERM:\n{old.Tail()}");
                    output.WriteLine($"pod {ordinal} drained and exited 0; {publisher.Acknowledged.Count} messages acknowledged so far");
                    old.Dispose();
                    processes[ordinal] = BrokerProcess.Start(pod.Args, pod.Environment);
                    await WaitReadyAsync(http, pod, processes[ordinal]!, httpPort);
                    ready.Set(ordinal, true);
                    await WaitForMembersUpAsync(http, pod, httpPort, 3, processes);
                    output.WriteLine($"{DateTime.UtcNow:HH:mm:ss.fff} pod {ordinal} restarted and ready");
                }
            }

            int rolled = publisher.Acknowledged.Count;
            await Eventually(() => Task.FromResult(publisher.Acknowledged.Count >= rolled + 50), TimeSpan.FromSeconds(30), "the publisher stopped getting acknowledgements after the roll", processes);
            await publisher.StopAsync();

            // Nothing acknowledged is lost for any persistent subscriber, including while its session moved.
            int[] acknowledged = publisher.Acknowledged.Keys.Order().ToArray();
            output.WriteLine($"{acknowledged.Length} messages acknowledged ({publisher.Failures} publish attempts failed and were retried)");
            await Eventually(
                () => Task.FromResult(subscribers.All(s => acknowledged.All(seq => s.Received.ContainsKey(seq)))),
                TimeSpan.FromSeconds(60), () => "acknowledged messages were lost: " + Describe(subscribers, publisher, acknowledged), processes);
            output.WriteLine(Describe(subscribers, publisher, acknowledged));
            output.WriteLine($"lost: 0 message(s) over {subscribers.Sum(s => s.Reconnects)} session move(s)");
            Assert.All(subscribers, s => Assert.Equal(0, s.SessionsNotPresent));
            Assert.Contains(subscribers, s => s.Reconnects > 0);
        }
        finally
        {
            // Every process is stopped whatever failed before, even a client's disposal.
            foreach (BrokerProcess? process in processes)
                process?.Dispose();
            if (publisher is not null)
                await Quietly(() => publisher.DisposeAsync().AsTask());
            foreach (PersistentSubscriber subscriber in subscribers)
                await Quietly(() => subscriber.DisposeAsync().AsTask());
        }
    }

    private static async Task Quietly(Func<Task> action)
    {
        try
        {
            await action();
        }
        catch (Exception)
        {
        }
    }

    private static async Task WaitReadyAsync(HttpClient http, RenderedPod pod, BrokerProcess process, int httpPort)
    {
        var deadline = DateTime.UtcNow + s_ready;
        string last = "no answer";
        while (DateTime.UtcNow < deadline)
        {
            if (process.HasExited)
                Assert.Fail($"pod {pod.Ordinal} exited before it was ready:\n{process.Tail()}");
            try
            {
                using HttpResponseMessage response = await http.GetAsync($"http://{pod.Address}:{httpPort}/health/ready");
                last = $"{(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}";
                if (response.StatusCode == HttpStatusCode.OK)
                    return;
            }
            catch (HttpRequestException ex)
            {
                last = ex.Message;
            }
            catch (TaskCanceledException)
            {
                last = "timed out";
            }
            await Task.Delay(250); // the kubelet's probe period, shortened
        }
        Assert.Fail($"pod {pod.Ordinal} was not ready within {s_ready.TotalSeconds} s (last answer: {last}):\n{process.Tail()}");
    }

    private static async Task WaitForMembersUpAsync(HttpClient http, RenderedPod pod, int httpPort, int expected, BrokerProcess?[] processes)
    {
        string last = "";
        await Eventually(async () =>
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, $"http://{pod.Address}:{httpPort}/api/v1/cluster");
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", AdminToken);
            using HttpResponseMessage response = await http.SendAsync(request);
            last = await response.Content.ReadAsStringAsync();
            if (response.StatusCode != HttpStatusCode.OK)
                return false;
            using JsonDocument cluster = JsonDocument.Parse(last);
            return cluster.RootElement.GetProperty("members").EnumerateArray().Count(m => m.GetProperty("status").GetString() == "Up") == expected;
        }, TimeSpan.FromSeconds(60), () => $"pod {pod.Ordinal} does not see {expected} members Up: {last}", processes);
    }

    private static string Describe(List<PersistentSubscriber> subscribers, SequencePublisher publisher, int[] acknowledged) =>
        string.Join("; ", subscribers.Select(s =>
        {
            int[] missing = acknowledged.Where(seq => !s.Received.ContainsKey(seq)).ToArray();
            string list = string.Join(", ", missing.Take(20).Select(m => $"{m} acknowledged {publisher.AcknowledgedAt[m]:HH:mm:ss.fff}{(s.WasMoving(publisher.AcknowledgedAt[m]) ? " while it moved" : "")}"));
            return $"{s.ClientId}: {missing.Length} missing{(missing.Length > 0 ? " (" + list + ")" : "")}, {s.Reconnects} reconnects, "
                + $"{s.SessionsNotPresent} without session [{string.Join("; ", s.Events)}]";
        }));

    private static Task Eventually(Func<Task<bool>> condition, TimeSpan timeout, string failure, BrokerProcess?[] processes) =>
        Eventually(condition, timeout, () => failure, processes);

    private static async Task Eventually(Func<Task<bool>> condition, TimeSpan timeout, Func<string> failure, BrokerProcess?[] processes)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            try
            {
                if (await condition())
                    return;
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or MQTTnet.Exceptions.MqttCommunicationException or InvalidOperationException)
            {
            }
            await Task.Delay(100);
        }
        Assert.Fail(failure() + "\n" + string.Join("\n", processes.Select((p, i) => $"--- pod {i} ---\n{p?.Tail(25)}")));
    }
}
