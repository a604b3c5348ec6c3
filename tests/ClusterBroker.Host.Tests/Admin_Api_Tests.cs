using System.Net;
using System.Text.Json;
using MQTTnet;
using MQTTnet.Protocol;

namespace ClusterBroker.Host.Tests;

/// <summary>The admin API: bearer-token authorisation, then each endpoint (README.md, "Admin API").</summary>
public class Admin_Api_Tests
{
    private static readonly string[] s_endpoints =
    [
        "GET /api/v1/cluster",
        "GET /api/v1/clients",
        "GET /api/v1/clients/x",
        "DELETE /api/v1/clients/x",
        "GET /api/v1/clients/x/subscriptions",
        "DELETE /api/v1/retained?topic=a",
        "POST /api/v1/drain",
    ];

    [Fact]
    public async Task Without_a_configured_token_every_admin_call_is_refused_with_403()
    {
        await using OperationsHost ops = await OperationsHost.StartAsync(adminToken: "");
        foreach (string endpoint in s_endpoints)
        {
            (HttpMethod method, string path) = Split(endpoint);
            Assert.Equal(HttpStatusCode.Forbidden, (await ops.SendAsync(method, path, token: null)).Status);
            Assert.Equal(HttpStatusCode.Forbidden, (await ops.SendAsync(method, path, token: "anything")).Status);
        }
        Assert.False(ops.Host.Draining);
    }

    [Fact]
    public async Task A_missing_or_wrong_token_gets_401_on_every_admin_call()
    {
        await using OperationsHost ops = await OperationsHost.StartAsync();
        foreach (string endpoint in s_endpoints)
        {
            (HttpMethod method, string path) = Split(endpoint);
            Assert.Equal(HttpStatusCode.Unauthorized, (await ops.SendAsync(method, path, token: null)).Status);
            Assert.Equal(HttpStatusCode.Unauthorized, (await ops.SendAsync(method, path, token: OperationsHost.Token + "x")).Status);
        }
        using HttpResponseMessage response = await ops.Http.GetAsync("/api/v1/cluster");
        Assert.Equal("Bearer", response.Headers.WwwAuthenticate.Single().Scheme);
        Assert.False(ops.Host.Draining);
        // Metrics and health need no token.
        Assert.Equal(HttpStatusCode.OK, (await ops.Http.GetAsync("/metrics")).StatusCode);
    }

    [Fact]
    public async Task Cluster_lists_this_node_as_an_Up_member_and_leader()
    {
        await using OperationsHost ops = await OperationsHost.StartAsync();
        (HttpStatusCode status, JsonElement body) = await ops.GetAsync("/api/v1/cluster");
        Assert.Equal(HttpStatusCode.OK, status);
        JsonElement member = Assert.Single(body.GetProperty("members").EnumerateArray());
        Assert.Equal("Up", member.GetProperty("status").GetString());
        Assert.True(member.GetProperty("self").GetBoolean());
        Assert.True(member.GetProperty("reachable").GetBoolean());
        Assert.Equal(body.GetProperty("self").GetString(), body.GetProperty("leader").GetString());
        Assert.False(body.GetProperty("draining").GetBoolean());
    }

    [Fact]
    public async Task Clients_are_listed_in_pages_filtered_by_ClientId_prefix_with_their_connection_details()
    {
        await using OperationsHost ops = await OperationsHost.StartAsync();
        using IMqttClient a1 = await ops.ConnectAsync("sensor-a1", sessionExpiry: 60);
        using IMqttClient a2 = await ops.ConnectAsync("sensor-a2");
        using IMqttClient b1 = await ops.ConnectAsync("gateway-b1");

        (HttpStatusCode status, JsonElement all) = await ops.GetAsync("/api/v1/clients");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(3, all.GetProperty("total").GetInt32());
        Assert.Equal(["gateway-b1", "sensor-a1", "sensor-a2"], all.GetProperty("clients").EnumerateArray().Select(c => c.GetProperty("clientId").GetString()!).ToArray());

        (_, JsonElement sensors) = await ops.GetAsync("/api/v1/clients?prefix=sensor-");
        Assert.Equal(2, sensors.GetProperty("total").GetInt32());
        (_, JsonElement page) = await ops.GetAsync("/api/v1/clients?prefix=sensor-&offset=1&limit=1");
        JsonElement only = Assert.Single(page.GetProperty("clients").EnumerateArray());
        Assert.Equal("sensor-a2", only.GetProperty("clientId").GetString());
        Assert.Equal(2, page.GetProperty("total").GetInt32());

        (status, JsonElement a1Details) = await ops.GetAsync("/api/v1/clients/sensor-a1");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("5.0", a1Details.GetProperty("protocolVersion").GetString());
        Assert.Equal(60u, a1Details.GetProperty("sessionExpiryInterval").GetUInt32());
        Assert.StartsWith("127.0.0.1:", a1Details.GetProperty("remoteEndPoint").GetString());
        Assert.True(a1Details.GetProperty("connectedAt").GetDateTimeOffset() > DateTimeOffset.UtcNow.AddMinutes(-5));

        using IMqttClient withUser = new MqttClientFactory().CreateMqttClient();
        await withUser.ConnectAsync(new MqttClientOptionsBuilder().WithTcpServer("127.0.0.1", ops.Host.Port)
            .WithProtocolVersion(MQTTnet.Formatter.MqttProtocolVersion.V500).WithClientId("sensor-u1").WithCredentials("bob", "pw").Build());
        (_, JsonElement bobs) = await ops.GetAsync("/api/v1/clients?username=bob");
        JsonElement bob = Assert.Single(bobs.GetProperty("clients").EnumerateArray());
        Assert.Equal("sensor-u1", bob.GetProperty("clientId").GetString());
        Assert.Equal("bob", bob.GetProperty("username").GetString());

        Assert.Equal(HttpStatusCode.NotFound, (await ops.GetAsync("/api/v1/clients/nobody")).Status);
        Assert.Equal(HttpStatusCode.BadRequest, (await ops.GetAsync("/api/v1/clients?limit=0")).Status);
        Assert.Equal(HttpStatusCode.BadRequest, (await ops.GetAsync("/api/v1/clients?offset=-1")).Status);
    }

    [Fact]
    public async Task Kicking_a_client_sends_it_DISCONNECT_0x98_administrative_action()
    {
        await using OperationsHost ops = await OperationsHost.StartAsync();
        var disconnected = new TaskCompletionSource<MqttClientDisconnectReason>(TaskCreationOptions.RunContinuationsAsynchronously);
        using IMqttClient client = await ops.ConnectAsync("kick/me", onDisconnected: e => disconnected.TrySetResult(e.Reason));

        (HttpStatusCode status, JsonElement body) = await ops.SendAsync(HttpMethod.Delete, "/api/v1/clients/" + Uri.EscapeDataString("kick/me"));
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(0x98, body.GetProperty("reasonCode").GetInt32());
        Assert.Equal(MqttClientDisconnectReason.AdministrativeAction, await disconnected.Task.WaitAsync(TimeSpan.FromSeconds(20)));
        Assert.Equal(HttpStatusCode.NotFound, (await ops.SendAsync(HttpMethod.Delete, "/api/v1/clients/nobody")).Status);
    }

    [Fact]
    public async Task A_sessions_subscriptions_are_listed_with_their_options()
    {
        await using OperationsHost ops = await OperationsHost.StartAsync();
        using IMqttClient client = await ops.ConnectAsync("subscriber", sessionExpiry: 60);
        await client.SubscribeAsync(new MqttClientSubscribeOptionsBuilder()
            .WithTopicFilter(f => f.WithTopic("a/+/c").WithAtLeastOnceQoS().WithNoLocal())
            .WithTopicFilter(f => f.WithTopic("$share/g/b/#").WithAtMostOnceQoS())
            .Build());

        (HttpStatusCode status, JsonElement body) = await ops.GetAsync("/api/v1/clients/subscriber/subscriptions");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.True(body.GetProperty("online").GetBoolean());
        JsonElement[] subscriptions = body.GetProperty("subscriptions").EnumerateArray().OrderBy(s => s.GetProperty("filter").GetString(), StringComparer.Ordinal).ToArray();
        Assert.Equal(["$share/g/b/#", "a/+/c"], subscriptions.Select(s => s.GetProperty("filter").GetString()!).ToArray());
        Assert.Equal(1, subscriptions[1].GetProperty("qos").GetInt32());
        Assert.True(subscriptions[1].GetProperty("noLocal").GetBoolean());
        Assert.Equal(0, body.GetProperty("queued").GetInt32());
        Assert.Equal(0, body.GetProperty("inflight").GetInt32());

        // The offline persistent session keeps them.
        await client.DisconnectAsync();
        // The broker learns of the DISCONNECT a moment after the client sent it: wait (bounded) for the endpoint to go offline.
        DateTime deadline = DateTime.UtcNow.AddSeconds(10);
        do
        {
            (status, body) = await ops.GetAsync("/api/v1/clients/subscriber/subscriptions");
            Assert.Equal(HttpStatusCode.OK, status);
        }
        while (body.GetProperty("online").GetBoolean() && DateTime.UtcNow < deadline && await Task.Delay(20).ContinueWith(_ => true));
        Assert.False(body.GetProperty("online").GetBoolean());
        Assert.Equal(2, body.GetProperty("subscriptions").GetArrayLength());
        Assert.Equal(HttpStatusCode.NotFound, (await ops.GetAsync("/api/v1/clients/nobody/subscriptions")).Status);

        // Messages published while it is away wait in its session entity: the queue depth comes from there.
        using IMqttClient publisher = await ops.ConnectAsync("queue-publisher");
        for (int i = 0; i < 7; i++)
            await publisher.PublishStringAsync("a/b/c", "m" + i, MqttQualityOfServiceLevel.AtLeastOnce);
        deadline = DateTime.UtcNow.AddSeconds(10);
        do
        {
            (status, body) = await ops.GetAsync("/api/v1/clients/subscriber/subscriptions");
            Assert.Equal(HttpStatusCode.OK, status);
        }
        while (body.GetProperty("queued").GetInt32() < 7 && DateTime.UtcNow < deadline && await Task.Delay(20).ContinueWith(_ => true));
        Assert.Equal(7, body.GetProperty("queued").GetInt32());
        Assert.Equal(0, body.GetProperty("inflight").GetInt32());
    }

    [Fact]
    public async Task Deleting_a_retained_message_removes_it_without_publishing_anything()
    {
        await using OperationsHost ops = await OperationsHost.StartAsync();
        using IMqttClient publisher = await ops.ConnectAsync("retainer");
        await publisher.PublishStringAsync("config/device-1", "v1", MqttQualityOfServiceLevel.AtLeastOnce, retain: true);

        using IMqttClient watcher = await ops.ConnectAsync("watcher");
        var watched = new System.Collections.Concurrent.ConcurrentQueue<string>();
        watcher.ApplicationMessageReceivedAsync += e =>
        {
            watched.Enqueue(e.ApplicationMessage.Topic);
            return Task.CompletedTask;
        };
        await watcher.SubscribeAsync("config/#", MqttQualityOfServiceLevel.AtLeastOnce);
        await Eventually(() => watched.Count == 1); // the retained message

        (HttpStatusCode status, JsonElement body) = await ops.SendAsync(HttpMethod.Delete, "/api/v1/retained?topic=config%2Fdevice-1");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.True(body.GetProperty("deleted").GetBoolean());
        (_, body) = await ops.SendAsync(HttpMethod.Delete, "/api/v1/retained?topic=config%2Fdevice-1");
        Assert.False(body.GetProperty("deleted").GetBoolean());
        Assert.Equal(HttpStatusCode.BadRequest, (await ops.SendAsync(HttpMethod.Delete, "/api/v1/retained?topic=config%2F%23")).Status);

        // A new subscriber gets nothing retained, and the watcher got nothing between its retained message and a fence.
        using IMqttClient late = await ops.ConnectAsync("late");
        var lateTopics = new System.Collections.Concurrent.ConcurrentQueue<string>();
        late.ApplicationMessageReceivedAsync += e =>
        {
            lateTopics.Enqueue(e.ApplicationMessage.Topic);
            return Task.CompletedTask;
        };
        await late.SubscribeAsync("config/#", MqttQualityOfServiceLevel.AtLeastOnce);
        await publisher.PublishStringAsync("config/fence", "f", MqttQualityOfServiceLevel.AtLeastOnce);
        await Eventually(() => watched.Contains("config/fence") && lateTopics.Contains("config/fence"));
        Assert.Equal(["config/device-1", "config/fence"], watched.ToArray());
        Assert.Equal(["config/fence"], lateTopics.ToArray());
    }

    [Fact]
    public async Task Drain_starts_a_drain_and_answers_202()
    {
        await using OperationsHost ops = await OperationsHost.StartAsync();
        (HttpStatusCode status, JsonElement body) = await ops.SendAsync(HttpMethod.Post, "/api/v1/drain");
        Assert.Equal(HttpStatusCode.Accepted, status);
        Assert.True(body.GetProperty("draining").GetBoolean());
        Assert.True(ops.Host.Draining);
        await ops.Host.Stopped.WaitAsync(TimeSpan.FromSeconds(60));
    }

    private static (HttpMethod, string) Split(string endpoint)
    {
        string[] parts = endpoint.Split(' ');
        return (new HttpMethod(parts[0]), parts[1]);
    }

    private static async Task Eventually(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "the condition did not hold within 20 s");
            await Task.Delay(20);
        }
    }
}
