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
        "clusterbroker_messages_received_total",
        "clusterbroker_messages_sent_total",
        "clusterbroker_received_bytes_total",
        "clusterbroker_sent_bytes_total",
        "clusterbroker_messages_dropped_total",
        "clusterbroker_cluster_members",
        "clusterbroker_cluster_unreachable_members",
        "clusterbroker_cluster_routes",
        "clusterbroker_cluster_forwards_sent_total",
        "clusterbroker_cluster_forwards_received_total",
        "clusterbroker_cluster_forward_batches_sent_total",
        "clusterbroker_cluster_route_deltas_sent_total",
        "clusterbroker_cluster_route_deltas_received_total",
        "clusterbroker_cluster_route_snapshots_sent_total",
        "clusterbroker_cluster_route_snapshots_received_total",
        "clusterbroker_cluster_sessions_lost_total",
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

    [Fact]
    public async Task Metrics_lists_every_documented_metric_and_the_values_move_with_traffic()
    {
        await using OperationsHost ops = await OperationsHost.StartAsync();
        Dictionary<string, double> before = await ops.ScrapeAsync();
        string[] missing = DocumentedMetrics.Where(name => !before.Keys.Any(k => k == name || k.StartsWith(name + "{", StringComparison.Ordinal))).ToArray();
        // connections_refused_total has a sample per reason once a CONNECT was refused: checked below.
        Assert.Equal(["clusterbroker_connections_refused_total"], missing);
        Assert.Equal(1, before["clusterbroker_cluster_members{status=\"up\"}"]);
        Assert.Equal(0, before["clusterbroker_draining"]);
        Assert.Equal(0, before["clusterbroker_quota_events_total{event=\"publish-rate-throttled\"}"]);

        const int Messages = 20;
        using IMqttClient subscriber = await ops.ConnectAsync("metrics-sub", sessionExpiry: 300);
        await subscriber.SubscribeAsync("m/#", MqttQualityOfServiceLevel.AtLeastOnce);
        var received = 0;
        var all = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        subscriber.ApplicationMessageReceivedAsync += _ =>
        {
            if (Interlocked.Increment(ref received) == Messages)
                all.TrySetResult();
            return Task.CompletedTask;
        };
        using IMqttClient publisher = await ops.ConnectAsync("metrics-pub");
        for (int i = 0; i < Messages; i++)
            await publisher.PublishStringAsync("m/" + i, "payload-" + i, MqttQualityOfServiceLevel.AtLeastOnce, retain: i == 0);
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
        Assert.True(after["clusterbroker_messages_received_total"] - before["clusterbroker_messages_received_total"] >= Messages);
        Assert.True(after["clusterbroker_messages_sent_total"] - before["clusterbroker_messages_sent_total"] >= Messages);
        Assert.True(after["clusterbroker_received_bytes_total"] > before["clusterbroker_received_bytes_total"]);
        Assert.True(after["clusterbroker_sent_bytes_total"] > before["clusterbroker_sent_bytes_total"]);
        Assert.Equal(2, after["clusterbroker_clients_connected"]);
        Assert.True(after["clusterbroker_connections"] >= 2);
        Assert.True(after["clusterbroker_connections_accepted_total"] - before["clusterbroker_connections_accepted_total"] >= 2);
        Assert.Equal(1, after["clusterbroker_connections_refused_total{reason=\"bad_authentication_method\"}"]);
        Assert.True(after["clusterbroker_subscriptions"] >= 1);
        Assert.True(after["clusterbroker_sessions{state=\"online\"}"] >= 2);
        Assert.Equal(before["clusterbroker_retained_messages"] + 1, after["clusterbroker_retained_messages"]);
        Assert.True(after["dotnet_threadpool_completed_items_total"] > before["dotnet_threadpool_completed_items_total"]);
        Assert.True(after["dotnet_gc_allocated_bytes_total"] > before["dotnet_gc_allocated_bytes_total"]);

        // A persistent session whose client left counts as offline.
        await subscriber.DisconnectAsync();
        await Eventually(async () => (await ops.ScrapeAsync()).GetValueOrDefault("clusterbroker_sessions{state=\"offline\"}") >= 1);
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
