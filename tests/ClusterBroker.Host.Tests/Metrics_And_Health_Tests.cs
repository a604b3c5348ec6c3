using System.Net;
using System.Net.Sockets;
using System.Text;
using MQTTnet;
using MQTTnet.Formatter;
using MQTTnet.Protocol;

namespace ClusterBroker.Host.Tests;

/// <summary>/metrics (Prometheus text format, every documented metric, values that move with traffic), /health/live, /health/ready, and the drain.</summary>
public class Metrics_And_Health_Tests
{
    /// <summary>Every metric README.md ("Metrics") documents.</summary>
    internal static readonly string[] DocumentedMetrics =
    [
        "clusterbroker_connections",
        "clusterbroker_clients_connected",
        "clusterbroker_connections_accepted_total",
        "clusterbroker_connections_refused_total",
        "clusterbroker_sessions",
        "clusterbroker_subscriptions",
        "clusterbroker_retained_messages",
        "clusterbroker_sessions_persistent",
        "clusterbroker_messages_received_total",
        "clusterbroker_messages_sent_total",
        "clusterbroker_received_payload_bytes_total",
        "clusterbroker_sent_payload_bytes_total",
        "clusterbroker_received_bytes_total",
        "clusterbroker_sent_bytes_total",
        "clusterbroker_inflight_messages",
        "clusterbroker_queued_messages",
        "clusterbroker_connection_inflight_messages",
        "clusterbroker_connection_queued_messages",
        "clusterbroker_offline_queued_messages",
        "clusterbroker_offline_session_queued_messages",
        "clusterbroker_delivery_latency_seconds",
        "clusterbroker_messages_dropped_total",
        "clusterbroker_cluster_members",
        "clusterbroker_cluster_unreachable_members",
        "clusterbroker_cluster_routes",
        "clusterbroker_cluster_forwards_sent_total",
        "clusterbroker_cluster_forwards_received_total",
        "clusterbroker_cluster_forward_batches_sent_total",
        "clusterbroker_cluster_forward_links_open",
        "clusterbroker_cluster_forward_link_events_total",
        "clusterbroker_cluster_forwards_received_over_links_total",
        "clusterbroker_cluster_route_deltas_sent_total",
        "clusterbroker_cluster_route_deltas_received_total",
        "clusterbroker_cluster_route_snapshots_sent_total",
        "clusterbroker_cluster_route_snapshots_received_total",
        "clusterbroker_cluster_sessions_lost_total",
        "clusterbroker_cluster_node_forwards_sent_total",
        "clusterbroker_redis_round_trip_seconds",
        "clusterbroker_redis_errors_total",
        "clusterbroker_draining",
        "clusterbroker_authentication_failures_total",
        "clusterbroker_acl_denied_total",
        "clusterbroker_quota_events_total",
        "dotnet_threadpool_threads",
        "dotnet_threadpool_queue_length",
        "dotnet_threadpool_completed_items_total",
        "dotnet_gc_pause_seconds_total",
        "dotnet_gc_heap_size_bytes",
        "dotnet_gc_allocated_bytes_total",
        "dotnet_collection_count_total",
        "dotnet_total_memory_bytes",
        "process_cpu_seconds_total",
        "process_working_set_bytes",
        "process_open_handles",
        "process_num_threads",
        "process_start_time_seconds",
    ];

    /// <summary>Documented metrics with no sample in <paramref name="scrape"/> (a histogram counts by its _count).</summary>
    internal static string[] Missing(Dictionary<string, double> scrape) =>
        DocumentedMetrics.Where(name => !scrape.Keys.Any(k => k == name || k == name + "_count" || k.StartsWith(name + "{", StringComparison.Ordinal))).ToArray();

    [Fact]
    public async Task Metrics_lists_every_documented_metric_and_the_values_move_with_traffic()
    {
        await using OperationsHost ops = await OperationsHost.StartAsync();
        Dictionary<string, double> before = await ops.ScrapeAsync();
        // Labelled series appear with their first event: a refused CONNECT (below), a forward to another node (a
        // cluster), Redis errors (with Redis configured: the Redis test below). The Redis histogram is there, empty.
        Assert.Equal(
            ["clusterbroker_connections_refused_total", "clusterbroker_cluster_node_forwards_sent_total", "clusterbroker_redis_errors_total"],
            Missing(before));
        Assert.Equal(0, before["clusterbroker_redis_round_trip_seconds_count"]);
        Assert.Equal(1, before["clusterbroker_cluster_members{status=\"up\"}"]);
        Assert.Equal(0, before["clusterbroker_draining"]);
        Assert.Equal(0, before["clusterbroker_delivery_latency_seconds_count"]);
        Assert.Equal(0, before["clusterbroker_quota_events_total{event=\"publish-rate-throttled\"}"]);

        // Every QoS, to a QoS 2 subscription (no downgrade): the counters by QoS must each move by what was sent.
        const int PerQoS = 20;
        const string Payload = "payload-0123456789";
        using IMqttClient subscriber = await ops.ConnectAsync("metrics-sub", sessionExpiry: 300);
        await subscriber.SubscribeAsync("m/#", MqttQualityOfServiceLevel.ExactlyOnce);
        var received = new int[3];
        var all = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        subscriber.ApplicationMessageReceivedAsync += e =>
        {
            Interlocked.Increment(ref received[(int)e.ApplicationMessage.QualityOfServiceLevel]);
            if (Volatile.Read(ref received[0]) + Volatile.Read(ref received[1]) + Volatile.Read(ref received[2]) == 3 * PerQoS)
                all.TrySetResult();
            return Task.CompletedTask;
        };
        using IMqttClient publisher = await ops.ConnectAsync("metrics-pub");
        foreach (MqttQualityOfServiceLevel qos in new[] { MqttQualityOfServiceLevel.AtMostOnce, MqttQualityOfServiceLevel.AtLeastOnce, MqttQualityOfServiceLevel.ExactlyOnce })
        {
            for (int i = 0; i < PerQoS; i++)
                await publisher.PublishStringAsync($"m/{(int)qos}/{i}", Payload, qos, retain: qos == MqttQualityOfServiceLevel.AtLeastOnce && i == 0);
        }
        await all.Task.WaitAsync(TimeSpan.FromSeconds(20));

        // A refused CONNECT: an authentication method the server does not offer.
        using IMqttClient refused = new MqttClientFactory().CreateMqttClient();
        MqttClientOptions refusedOptions = new MqttClientOptionsBuilder()
            .WithTcpServer("127.0.0.1", ops.Host.Port).WithProtocolVersion(MqttProtocolVersion.V500)
            .WithClientId("metrics-refused").Build();
        refusedOptions.AuthenticationMethod = "SCRAM-SHA-1";
        refusedOptions.AuthenticationData = [1, 2, 3];
        try
        {
            MqttClientConnectResult result = await refused.ConnectAsync(refusedOptions);
            Assert.Equal(MqttClientConnectResultCode.BadAuthenticationMethod, result.ResultCode);
        }
        catch (MQTTnet.Adapter.MqttConnectingFailedException)
        {
            // refused: the counter below says why
        }

        Dictionary<string, double> after = await ops.ScrapeAsync();
        double Moved(string sample) => after[sample] - before[sample];
        foreach (string qos in new[] { "0", "1", "2" })
        {
            Assert.Equal(PerQoS, Moved($"clusterbroker_messages_received_total{{qos=\"{qos}\"}}"));
            Assert.Equal(PerQoS, Moved($"clusterbroker_messages_sent_total{{qos=\"{qos}\"}}"));
            Assert.Equal(PerQoS * Payload.Length, Moved($"clusterbroker_received_payload_bytes_total{{qos=\"{qos}\"}}"));
            Assert.Equal(PerQoS * Payload.Length, Moved($"clusterbroker_sent_payload_bytes_total{{qos=\"{qos}\"}}"));
        }
        Assert.True(after["clusterbroker_received_bytes_total"] > before["clusterbroker_received_bytes_total"]);
        Assert.True(after["clusterbroker_sent_bytes_total"] > before["clusterbroker_sent_bytes_total"]);
        Assert.Equal(2, after["clusterbroker_clients_connected"]);
        Assert.True(after["clusterbroker_connections"] >= 2);
        Assert.True(after["clusterbroker_connections_accepted_total"] - before["clusterbroker_connections_accepted_total"] >= 2);
        Assert.Equal(1, after["clusterbroker_connections_refused_total{reason=\"bad_authentication_method\"}"]);
        Assert.True(after["clusterbroker_subscriptions"] >= 1);
        Assert.True(after["clusterbroker_sessions{state=\"online\"}"] >= 2);
        Assert.Equal(1, after["clusterbroker_sessions_persistent"]); // the subscriber (expiry 300 s); the publisher's session ends with it
        Assert.Equal(before["clusterbroker_retained_messages"] + 1, after["clusterbroker_retained_messages"]);
        Assert.True(after["dotnet_threadpool_completed_items_total"] > before["dotnet_threadpool_completed_items_total"]);
        Assert.True(after["dotnet_gc_allocated_bytes_total"] > before["dotnet_gc_allocated_bytes_total"]);

        // The publisher's first PUBLISH is always sampled, then 1 in 64: 60 PUBLISHes give at least one measured delivery,
        // and a loopback delivery takes well under 10 s (the histogram's last finite bucket).
        double latencies = after["clusterbroker_delivery_latency_seconds_count"];
        Assert.InRange(latencies, 1, 3 * PerQoS);
        Assert.True(after["clusterbroker_delivery_latency_seconds_sum"] > 0);
        Assert.Equal(latencies, after["clusterbroker_delivery_latency_seconds_bucket{le=\"10\"}"]);

        // Each scrape observes every connected client once: the scrape 'after' saw the two clients.
        Assert.Equal(2, Moved("clusterbroker_connection_inflight_messages_count"));
        Assert.Equal(2, Moved("clusterbroker_connection_queued_messages_count"));
        Assert.True(after["clusterbroker_inflight_messages"] >= 0);
        Assert.True(after["clusterbroker_queued_messages"] >= 0);

        // A persistent session whose client left counts as offline.
        await subscriber.DisconnectAsync();
        await Eventually(async () => (await ops.ScrapeAsync()).GetValueOrDefault("clusterbroker_sessions{state=\"offline\"}") >= 1);
    }

    [Fact]
    public async Task The_queue_of_an_offline_persistent_session_is_counted_until_its_client_returns()
    {
        await using OperationsHost ops = await OperationsHost.StartAsync();
        using (IMqttClient subscriber = await ops.ConnectAsync("metrics-offline", sessionExpiry: 300))
        {
            await subscriber.SubscribeAsync("offline/#", MqttQualityOfServiceLevel.AtLeastOnce);
            await subscriber.DisconnectAsync();
        }
        using IMqttClient publisher = await ops.ConnectAsync("metrics-offline-pub");
        for (int i = 0; i < 12; i++)
            await publisher.PublishStringAsync("offline/" + i, "x", MqttQualityOfServiceLevel.AtLeastOnce);

        Dictionary<string, double> scrape = [];
        await Eventually(async () =>
        {
            scrape = await ops.ScrapeAsync();
            return scrape["clusterbroker_offline_queued_messages"] == 12;
        });
        // That scrape observed the one offline session at 12 (above bucket le=10, within le=100).
        Assert.True(scrape["clusterbroker_offline_session_queued_messages_bucket{le=\"100\"}"] - scrape["clusterbroker_offline_session_queued_messages_bucket{le=\"10\"}"] >= 1);
        Assert.True(scrape["clusterbroker_offline_session_queued_messages_sum"] >= 12);
        Assert.Equal(0, scrape["clusterbroker_queued_messages"]); // nobody connected is waiting for anything

        // The client resumes its session: the queue goes to its connection and the offline figure drops to 0.
        using IMqttClient back = new MqttClientFactory().CreateMqttClient();
        int delivered = 0;
        back.ApplicationMessageReceivedAsync += _ =>
        {
            Interlocked.Increment(ref delivered);
            return Task.CompletedTask;
        };
        MqttClientConnectResult resumed = await back.ConnectAsync(new MqttClientOptionsBuilder()
            .WithTcpServer("127.0.0.1", ops.Host.Port).WithProtocolVersion(MqttProtocolVersion.V500)
            .WithClientId("metrics-offline").WithCleanStart(false).WithSessionExpiryInterval(300)
            .WithTimeout(TimeSpan.FromSeconds(10)).Build());
        Assert.True(resumed.IsSessionPresent);
        await Eventually(async () => Volatile.Read(ref delivered) == 12 && (await ops.ScrapeAsync())["clusterbroker_offline_queued_messages"] == 0);
    }

    [Fact]
    public async Task Inflight_and_queued_figures_count_the_messages_a_slow_subscriber_has_not_acknowledged()
    {
        await using OperationsHost ops = await OperationsHost.StartAsync();
        // A subscriber that never acknowledges: with manual acknowledgement MQTTnet holds every PUBACK back, so the broker
        // keeps the window full (Receive Maximum 5) and queues the rest.
        IMqttClient slow = new MqttClientFactory().CreateMqttClient();
        try
        {
            var receivedOnce = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            slow.ApplicationMessageReceivedAsync += e =>
            {
                e.AutoAcknowledge = false;
                receivedOnce.TrySetResult();
                return Task.CompletedTask;
            };
            await slow.ConnectAsync(new MqttClientOptionsBuilder().WithTcpServer("127.0.0.1", ops.Host.Port)
                .WithProtocolVersion(MqttProtocolVersion.V500).WithClientId("metrics-slow").WithReceiveMaximum(5)
                .WithTimeout(TimeSpan.FromSeconds(10)).Build());
            await slow.SubscribeAsync("slow/#", MqttQualityOfServiceLevel.AtLeastOnce);
            using IMqttClient publisher = await ops.ConnectAsync("metrics-slow-pub");
            for (int i = 0; i < 30; i++)
                await publisher.PublishStringAsync("slow/" + i, "x", MqttQualityOfServiceLevel.AtLeastOnce);
            await receivedOnce.Task.WaitAsync(TimeSpan.FromSeconds(20));

            Dictionary<string, double> scrape = [];
            await Eventually(async () =>
            {
                scrape = await ops.ScrapeAsync();
                return scrape["clusterbroker_inflight_messages"] == 5 && scrape["clusterbroker_queued_messages"] == 25;
            });
            // That scrape observed the slow client at 5 inflight (above bucket le=4, within le=8) and 25 queued (above
            // le=10, within le=100); the buckets are cumulative over scrapes, so earlier scrapes may add to them.
            Assert.True(scrape["clusterbroker_connection_inflight_messages_bucket{le=\"8\"}"] - scrape["clusterbroker_connection_inflight_messages_bucket{le=\"4\"}"] >= 1);
            Assert.True(scrape["clusterbroker_connection_queued_messages_bucket{le=\"100\"}"] - scrape["clusterbroker_connection_queued_messages_bucket{le=\"10\"}"] >= 1);
            Assert.True(scrape["clusterbroker_connection_queued_messages_sum"] >= 25);
            Assert.True(scrape["clusterbroker_connection_inflight_messages_sum"] >= 5);
        }
        finally
        {
            slow.Dispose();
        }
    }

    [Fact]
    public async Task Live_and_ready_answer_200_and_a_drain_turns_ready_to_503_at_once()
    {
        await using OperationsHost ops = await OperationsHost.StartAsync(drainPeriod: TimeSpan.FromSeconds(6));
        using HttpResponseMessage live = await ops.Http.GetAsync("/health/live");
        Assert.Equal(HttpStatusCode.OK, live.StatusCode);
        (HttpStatusCode status, System.Text.Json.JsonElement body) = await ops.GetAsync("/health/ready", token: null);
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("ready", body.GetProperty("status").GetString());
        Assert.Equal("Up", body.GetProperty("memberStatus").GetString());

        // Two clients keep the drain going: the second one leaves half-way through the 6 s period.
        var reasons = new List<MqttClientDisconnectReason>();
        using IMqttClient first = await ops.ConnectAsync("drain-1", onDisconnected: e => { lock (reasons) reasons.Add(e.Reason); });
        using IMqttClient second = await ops.ConnectAsync("drain-2", onDisconnected: e => { lock (reasons) reasons.Add(e.Reason); });
        Task drain = ops.Host.DrainAsync();

        (status, body) = await ops.GetAsync("/health/ready", token: null);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, status);
        Assert.Equal("draining", body.GetProperty("status").GetString());
        Assert.True(body.GetProperty("draining").GetBoolean());
        Assert.Equal(1, (await ops.ScrapeAsync())["clusterbroker_draining"]);
        using (HttpResponseMessage stillLive = await ops.Http.GetAsync("/health/live"))
            Assert.Equal(HttpStatusCode.OK, stillLive.StatusCode);

        // New connections are refused while draining.
        using var socket = new TcpClient();
        await Assert.ThrowsAnyAsync<SocketException>(() => socket.ConnectAsync(IPAddress.Loopback, ops.Host.Port));

        await drain.WaitAsync(TimeSpan.FromSeconds(60));
        Assert.True(ops.Host.Stopped.IsCompleted);
        lock (reasons)
            Assert.Equal([MqttClientDisconnectReason.ServerShuttingDown, MqttClientDisconnectReason.ServerShuttingDown], reasons);
    }

    [Fact]
    public async Task A_drain_with_a_server_reference_sends_v5_clients_DISCONNECT_0x9C_carrying_it()
    {
        await using OperationsHost ops = await OperationsHost.StartAsync(serverReference: "mqtt.other.example:1883");
        using var socket = new TcpClient();
        await socket.ConnectAsync(IPAddress.Loopback, ops.Host.Port);
        NetworkStream stream = socket.GetStream();
        byte[] clientId = Encoding.UTF8.GetBytes("raw-v5");
        // CONNECT, MQTT 5: protocol name, level 5, Clean Start, keep alive 60, no properties, client id.
        byte[] variable = [0, 4, (byte)'M', (byte)'Q', (byte)'T', (byte)'T', 5, 0x02, 0, 60, 0, 0, (byte)clientId.Length, .. clientId];
        await stream.WriteAsync((byte[])[0x10, (byte)variable.Length, .. variable]);
        byte[] connack = await ReadPacketAsync(stream);
        Assert.Equal(0x20, connack[0]);

        _ = ops.Host.DrainAsync();
        byte[] disconnect = await ReadPacketAsync(stream);
        Assert.Equal(0xE0, disconnect[0]);
        int index = 1;
        while ((disconnect[index++] & 0x80) != 0) { } // remaining length
        Assert.Equal(0x9C, disconnect[index++]); // Use another server
        index++; // properties length (one byte here)
        Assert.Equal(0x1C, disconnect[index++]); // Server Reference
        int length = (disconnect[index] << 8) | disconnect[index + 1];
        Assert.Equal("mqtt.other.example:1883", Encoding.UTF8.GetString(disconnect, index + 2, length));
    }

    [Fact]
    public async Task Ready_turns_503_while_the_configured_Redis_is_down_and_200_again_when_it_is_back()
    {
        int redisPort = HostProcess.FreePort();
        System.Diagnostics.Process redis = TestRedis.Start(redisPort);
        BrokerHost? host = null;
        try
        {
            host = await BrokerHost.StartAsync(new BrokerHostSettings
            {
                Transport = new ClusterBroker.Transport.TransportOptions { BindAddress = "127.0.0.1", Port = 0 },
                Http = new HttpOptions { BindAddress = "127.0.0.1", Port = 0 },
                Redis = new ClusterBroker.Storage.Redis.RedisOptions { Configuration = $"127.0.0.1:{redisPort}", KeyPrefix = $"ready-test-{Guid.NewGuid():N}:" },
            });
            using var http = new HttpClient { BaseAddress = new Uri($"http://{host.HttpEndPoint}"), Timeout = TimeSpan.FromSeconds(10) };
            await Eventually(async () => (await http.GetAsync("/health/ready")).StatusCode == HttpStatusCode.OK);

            redis.Kill();
            await redis.WaitForExitAsync();
            string body = "";
            await Eventually(async () =>
            {
                using HttpResponseMessage response = await http.GetAsync("/health/ready");
                body = await response.Content.ReadAsStringAsync();
                return response.StatusCode == HttpStatusCode.ServiceUnavailable;
            });
            Assert.Contains("redis", body, StringComparison.OrdinalIgnoreCase);
            Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/health/live")).StatusCode);

            redis.Dispose();
            redis = TestRedis.Start(redisPort);
            await Eventually(async () => (await http.GetAsync("/health/ready")).StatusCode == HttpStatusCode.OK);
        }
        finally
        {
            if (host is not null)
                await host.StopAsync();
            if (!redis.HasExited)
                redis.Kill();
            redis.Dispose();
        }
    }

    [Fact]
    public async Task With_Redis_the_round_trip_histogram_fills_and_the_error_counters_move_while_it_is_down()
    {
        int redisPort = HostProcess.FreePort();
        System.Diagnostics.Process redis = TestRedis.Start(redisPort);
        BrokerHost? host = null;
        try
        {
            host = await BrokerHost.StartAsync(new BrokerHostSettings
            {
                Transport = new ClusterBroker.Transport.TransportOptions { BindAddress = "127.0.0.1", Port = 0 },
                Http = new HttpOptions { BindAddress = "127.0.0.1", Port = 0 },
                Redis = new ClusterBroker.Storage.Redis.RedisOptions { Configuration = $"127.0.0.1:{redisPort}", KeyPrefix = $"metrics-test-{Guid.NewGuid():N}:", OperationTimeout = TimeSpan.FromSeconds(5) },
            });
            using var http = new HttpClient { BaseAddress = new Uri($"http://{host.HttpEndPoint}"), Timeout = TimeSpan.FromSeconds(10) };
            async Task<Dictionary<string, double>> Scrape() => OperationsHost.ParseMetrics(await http.GetStringAsync("/metrics"));

            // The probe PINGs at start: the histogram has an answer (a loopback PING takes far less than 1 s). The 5 s
            // operation timeout keeps a PING on a loaded CI machine from counting as failed (at 1 s one did, once).
            Dictionary<string, double> up = [];
            await Eventually(async () => (up = await Scrape()).GetValueOrDefault("clusterbroker_redis_round_trip_seconds_count") >= 1);
            Assert.Equal(["clusterbroker_connections_refused_total", "clusterbroker_cluster_node_forwards_sent_total"], Missing(up));
            Assert.True(up["clusterbroker_redis_round_trip_seconds_sum"] > 0);
            Assert.Equal(up["clusterbroker_redis_round_trip_seconds_count"], up["clusterbroker_redis_round_trip_seconds_bucket{le=\"1\"}"]);
            // (a loaded machine may already have counted a slow first connection or PING: the check below is on growth)
            Assert.Equal(0, up["clusterbroker_redis_errors_total{kind=\"retained_write_lost\"}"]);
            Assert.Equal(0, up["clusterbroker_redis_errors_total{kind=\"retained_read_failed\"}"]);

            // Redis gone: the lost connection and the next PING are counted.
            redis.Kill();
            await redis.WaitForExitAsync();
            await Eventually(async () =>
            {
                Dictionary<string, double> down = await Scrape();
                return down["clusterbroker_redis_errors_total{kind=\"connection_failed\"}"] > up["clusterbroker_redis_errors_total{kind=\"connection_failed\"}"]
                    && down["clusterbroker_redis_errors_total{kind=\"ping_failed\"}"] > up["clusterbroker_redis_errors_total{kind=\"ping_failed\"}"];
            });
        }
        finally
        {
            if (host is not null)
                await host.StopAsync();
            if (!redis.HasExited)
                redis.Kill();
            redis.Dispose();
        }
    }


    private static async Task<byte[]> ReadPacketAsync(NetworkStream stream)
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        var header = new List<byte> { await ReadByteAsync(stream, cts.Token) };
        int remaining = 0, shift = 0;
        byte b;
        do
        {
            b = await ReadByteAsync(stream, cts.Token);
            header.Add(b);
            remaining |= (b & 0x7F) << shift;
            shift += 7;
        }
        while ((b & 0x80) != 0);
        byte[] body = new byte[remaining];
        await stream.ReadExactlyAsync(body, cts.Token);
        return [.. header, .. body];
    }

    private static async Task<byte> ReadByteAsync(NetworkStream stream, CancellationToken ct)
    {
        byte[] one = new byte[1];
        await stream.ReadExactlyAsync(one, ct);
        return one[0];
    }

    private static async Task Eventually(Func<Task<bool>> condition)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "the condition did not hold within 20 s");
            await Task.Delay(50);
        }
    }
}
