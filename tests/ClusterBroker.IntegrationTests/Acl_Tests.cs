using System.Text;
using ClusterBroker.Host.Security;

namespace ClusterBroker.IntegrationTests;

/// <summary>
/// ACL files (Mosquitto's format) with real clients: each rule kind, %c and %u patterns, deny precedence,
/// PUBLISH/SUBSCRIBE refusals per protocol version, paho's subscribe-failure interop case, $SYS, Wills.
/// The rules are <see cref="AclBrokerFixture.Rules"/>.
/// </summary>
public sealed class Acl_Tests(AclBrokerFixture fixture) : IClassFixture<AclBrokerFixture>
{
    private int Port => fixture.Port;

    private Task<TestClient> ConnectAsync(string? user, MqttProtocolVersion version = MqttProtocolVersion.V500, string? clientId = null) =>
        TestClient.ConnectAsync(Port, clientId, version, configure: b =>
        {
            if (user is not null)
            {
                b.WithCredentials(user, "pw");
            }
        });

    private static async Task<MqttClientSubscribeResultCode> SubscribeCodeAsync(TestClient client, string filter) =>
        Assert.Single((await client.SubscribeAsync(filter)).Items).ResultCode;

    [Fact]
    public async Task A_read_rule_grants_SUBSCRIBE_and_refuses_PUBLISH_with_0x87()
    {
        string topic = "data/" + Unique.Topic();
        await using var reader = await ConnectAsync("reader");
        Assert.Equal(MqttClientSubscribeResultCode.GrantedQoS1, await SubscribeCodeAsync(reader, topic + "/#"));
        Assert.Equal(MqttClientPublishReasonCode.NotAuthorized, (await reader.PublishAsync(topic + "/x", "no", MqttQualityOfServiceLevel.AtLeastOnce)).ReasonCode);
        Assert.True(reader.Client.IsConnected);
    }

    [Fact]
    public async Task A_write_rule_grants_PUBLISH_and_refuses_SUBSCRIBE_with_0x87()
    {
        string topic = "data/" + Unique.Topic();
        await using var reader = await ConnectAsync("reader");
        await reader.SubscribeAsync(topic);
        await using var writer = await ConnectAsync("writer");

        Assert.Equal(MqttClientSubscribeResultCode.NotAuthorized, await SubscribeCodeAsync(writer, topic));
        Assert.Equal(MqttClientPublishReasonCode.Success, (await writer.PublishAsync(topic, "written", MqttQualityOfServiceLevel.AtLeastOnce)).ReasonCode);
        await reader.Messages.WaitForAsync(m => m.Payload == "written", "the writer's message at the reader");
    }

    [Fact]
    public async Task A_deny_rule_wins_over_the_readwrite_rule_that_covers_it()
    {
        string unique = Unique.Topic();
        await using var both = await ConnectAsync("both");
        Assert.Equal(MqttClientSubscribeResultCode.NotAuthorized, await SubscribeCodeAsync(both, "data/secret/#"));
        Assert.Equal(MqttClientPublishReasonCode.NotAuthorized, (await both.PublishAsync("data/secret/" + unique, "no", MqttQualityOfServiceLevel.AtLeastOnce)).ReasonCode);

        // "data/#" is granted; the deny inside it is applied to each message
        Assert.Equal(MqttClientSubscribeResultCode.GrantedQoS1, await SubscribeCodeAsync(both, "data/#"));
        await using var writer = await ConnectAsync("writer");
        await writer.PublishAsync("data/secret/" + unique, "hidden", MqttQualityOfServiceLevel.AtLeastOnce);
        await writer.PublishAsync("data/open/" + unique, "visible", MqttQualityOfServiceLevel.AtLeastOnce);
        await both.Messages.WaitForAsync(m => m.Payload == "visible", "the allowed message");
        Assert.DoesNotContain(both.Messages.Snapshot(), m => m.Payload == "hidden");
    }

    [Fact]
    public async Task Patterns_give_each_client_its_own_topics_by_client_id_and_user_name()
    {
        string clientId = Unique.ClientId("dev");
        await using var device = await ConnectAsync("reader", clientId: clientId);
        Assert.Equal(MqttClientPublishReasonCode.NoMatchingSubscribers, (await device.PublishAsync($"clients/{clientId}/status", "up", MqttQualityOfServiceLevel.AtLeastOnce)).ReasonCode);
        Assert.Equal(MqttClientPublishReasonCode.NotAuthorized, (await device.PublishAsync("clients/someone-else/status", "up", MqttQualityOfServiceLevel.AtLeastOnce)).ReasonCode);
        Assert.Equal(MqttClientSubscribeResultCode.GrantedQoS1, await SubscribeCodeAsync(device, "inbox/reader/#"));
        Assert.Equal(MqttClientSubscribeResultCode.NotAuthorized, await SubscribeCodeAsync(device, "inbox/writer/#"));
    }

    [Fact]
    public async Task Anonymous_clients_get_the_rules_before_the_first_user_line()
    {
        await using var anonymous = await ConnectAsync(null);
        Assert.Equal(MqttClientSubscribeResultCode.GrantedQoS1, await SubscribeCodeAsync(anonymous, "public/#"));
        Assert.Equal(MqttClientSubscribeResultCode.NotAuthorized, await SubscribeCodeAsync(anonymous, "data/#"));
        await using var reader = await ConnectAsync("reader");
        Assert.Equal(MqttClientSubscribeResultCode.NotAuthorized, await SubscribeCodeAsync(reader, "public/#"));
    }

    [Theory]
    [InlineData(4, "GRANTED 128")]
    [InlineData(5, "GRANTED 135")]
    public async Task Paho_interop_test_subscribe_failure_gets_its_failure_code_for_test_nosubscribe(int version, string expected)
    {
        await using var subscriber = PahoClient.Subscribe(Port, version, "test/nosubscribe", 2);
        await subscriber.WaitForLineAsync(line => line == "READY", "paho's SUBACK");
        Assert.Contains(expected, subscriber.Output.Snapshot());
    }

    [Theory]
    [InlineData("mqttv311", "Subscribed (mid: 1): 128")]
    [InlineData("mqttv5", "Subscribed (mid: 1): 135")]
    public async Task mosquitto_sub_is_refused_a_filter_it_may_not_read(string version, string expected)
    {
        await using var subscriber = MosquittoClients.Subscribe(Port, version, "data/#", 1, credentials: ("writer", "pw"));
        await subscriber.WaitForLineAsync(line => line.Contains(expected, StringComparison.Ordinal), "mosquitto_sub's refused SUBACK");
    }

    [Fact]
    public async Task A_3_1_1_PUBLISH_the_ACL_refuses_is_acknowledged_and_dropped()
    {
        string unique = Unique.Topic();
        await using var subscriber = await ConnectAsync(null);
        await subscriber.SubscribeAsync("public/#");

        // anonymous clients may read public/# but write only public/in/#
        await MosquittoClients.PublishAsync(Port, "mqttv311", $"public/{unique}", 1, "dropped-" + unique);
        await MosquittoClients.PublishAsync(Port, "mqttv311", $"public/in/{unique}", 1, "sentinel-" + unique);

        await subscriber.Messages.WaitForAsync(m => m.Payload == "sentinel-" + unique, "the allowed message sent after the refused one");
        Assert.DoesNotContain(subscriber.Messages.Snapshot(), m => m.Payload == "dropped-" + unique);
    }

    [Fact]
    public async Task No_client_publishes_to_SYS_and_every_client_may_read_it()
    {
        await using var both = await ConnectAsync("both");
        Assert.Equal(MqttClientPublishReasonCode.NotAuthorized, (await both.PublishAsync("$SYS/broker/fake", "x", MqttQualityOfServiceLevel.AtLeastOnce)).ReasonCode);
        Assert.Equal(MqttClientSubscribeResultCode.GrantedQoS1, await SubscribeCodeAsync(both, "$SYS/broker/#"));
        await both.Messages.WaitForAsync(m => m.Topic == "$SYS/broker/version", "a retained $SYS message");
    }

    [Fact]
    public async Task A_Will_on_a_topic_the_client_may_not_publish_to_refuses_the_CONNECT_with_0x87()
    {
        MqttClientConnectResultCode code = await TestClient.ConnectResultCodeAsync(Port, configure: b => b.WithCredentials("reader", "pw").WithWillTopic("data/will").WithWillPayload(Encoding.UTF8.GetBytes("bye")));

        Assert.Equal(MqttClientConnectResultCode.NotAuthorized, code);
    }
}

/// <summary>ACL reloads: a rewritten file applies to connected clients; a broken one is reported and not applied.</summary>
public sealed class Acl_Reload_Tests
{
    private static SecurityOptions Acl(SecurityFiles files) => new()
    {
        AclFile = files.AclFile,
        ReloadCheckInterval = TimeSpan.FromMilliseconds(100),
    };

    [Fact]
    public async Task A_rewritten_ACL_applies_to_connected_clients_without_reconnecting()
    {
        await using var files = new SecurityFiles();
        files.WriteAcl("topic readwrite room/#\ntopic readwrite sentinel/#\n");
        await using var broker = await TestBroker.StartAsync(security: Acl(files));
        await using var subscriber = await TestClient.ConnectAsync(broker.Port);
        await subscriber.SubscribeAsync("room/#");
        await subscriber.SubscribeAsync("sentinel/#");
        await using var publisher = await TestClient.ConnectAsync(broker.Port);
        await publisher.PublishAsync("room/1", "before");
        await subscriber.Messages.WaitForAsync(m => m.Payload == "before", "the message before the reload");

        files.WriteAcl("topic write room/#\ntopic readwrite sentinel/#\n");
        await Eventually.AssertAsync(() => broker.Logs.Entries.Any(e => e.Message.Contains("ACL file", StringComparison.Ordinal) && e.Message.Contains("reloaded", StringComparison.Ordinal)), "the ACL was reloaded");

        await publisher.PublishAsync("room/1", "after");
        await publisher.PublishAsync("sentinel/1", "sentinel");
        await subscriber.Messages.WaitForAsync(m => m.Payload == "sentinel", "the sentinel sent after the refused message");
        Assert.DoesNotContain(subscriber.Messages.Snapshot(), m => m.Payload == "after");
        Assert.Equal(MqttClientSubscribeResultCode.NotAuthorized, Assert.Single((await subscriber.SubscribeAsync("room/2")).Items).ResultCode);
        Assert.True(subscriber.Client.IsConnected);
    }

    [Fact]
    public async Task A_malformed_ACL_stops_the_start_naming_its_lines()
    {
        await using var files = new SecurityFiles();
        files.WriteAcl("topic read ok/#\ntopic dney secret/#\nfoo bar\n");
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => TestBroker.StartAsync(security: Acl(files)));
        Assert.Contains("line 2", error.Message);
        Assert.Contains("line 3", error.Message);
    }

    [Fact]
    public async Task A_malformed_ACL_on_reload_is_reported_line_by_line_and_the_previous_rules_stay()
    {
        await using var files = new SecurityFiles();
        files.WriteAcl("topic readwrite room/#\n");
        await using var broker = await TestBroker.StartAsync(security: Acl(files));
        await using var client = await TestClient.ConnectAsync(broker.Port);

        files.WriteAcl("topic readwrite room/#\ntopic readwrite other/#\ntopic dney room/secret\n");
        await Eventually.AssertAsync(() => broker.Logs.Entries.Any(e => e.Message.Contains("NOT reloaded", StringComparison.Ordinal)), "the broken ACL was reported");

        Assert.Single(broker.Logs.WarningsMentioning("line 3:"));
        Assert.Equal(MqttClientSubscribeResultCode.GrantedQoS1, Assert.Single((await client.SubscribeAsync("room/secret")).Items).ResultCode);
        Assert.Equal(MqttClientSubscribeResultCode.NotAuthorized, Assert.Single((await client.SubscribeAsync("other/x")).Items).ResultCode);
    }
}
