using System.Diagnostics;
using System.Text;
using ClusterBroker.Host.Security;

namespace ClusterBroker.IntegrationTests;

/// <summary>
/// Password files (Mosquitto's format, written by mosquitto_passwd) with real clients: mosquitto_pub/sub -u/-P,
/// paho, MQTTnet; CONNACK codes for bad credentials and anonymous clients; reload; brute-force slowdown;
/// unusable lines; huge user names.
/// </summary>
public sealed class Authentication_Tests
{
    private static SecurityOptions Passwords(SecurityFiles files, int maxFailedAttempts = 100, TimeSpan? failureDelay = null) => new()
    {
        PasswordFile = files.PasswordFile,
        MaxFailedAttempts = maxFailedAttempts,
        FailureDelay = failureDelay ?? TimeSpan.Zero,
        ReloadCheckInterval = TimeSpan.FromMilliseconds(100),
    };

    private static Task<MqttClientConnectResultCode> ConnectResultAsync(int port, string? user, string? password, MqttProtocolVersion version = MqttProtocolVersion.V500) =>
        TestClient.ConnectResultCodeAsync(port, version, b =>
        {
            if (user is not null)
            {
                b.WithCredentials(user, password);
            }
        });

    [Theory]
    [InlineData("mqttv311")]
    [InlineData("mqttv5")]
    public async Task A_password_file_written_by_mosquitto_passwd_is_accepted_unchanged_by_mosquitto_sub_and_pub(string version)
    {
        await using var files = new SecurityFiles();
        await files.AddUserAsync("alice", "s3cret!");
        await files.AddUserAsync("bob", "hunter2", sha512: true); // the older $6$ form
        await using var broker = await TestBroker.StartAsync(security: Passwords(files));
        string topic = Unique.Topic();

        await using var subscriber = MosquittoClients.Subscribe(broker.Port, version, topic, 1, credentials: ("alice", "s3cret!"));
        await MosquittoClients.WaitUntilSubscribedAsync(subscriber);
        await MosquittoClients.PublishAsync(broker.Port, version, topic, 1, "with-password", credentials: ("bob", "hunter2"));

        await subscriber.WaitForLineAsync(line => line == $"{topic}|1|0|with-password", "the message at mosquitto_sub");
    }

    [Theory]
    [InlineData("mqttv311", "bad user name or password")]
    [InlineData("mqttv5", "bad user name or password")]
    public async Task mosquitto_pub_with_a_wrong_password_or_an_unknown_user_is_refused(string version, string expected)
    {
        await using var files = new SecurityFiles();
        await files.AddUserAsync("alice", "s3cret!");
        await using var broker = await TestBroker.StartAsync(security: Passwords(files));

        foreach ((string user, string password) in new[] { ("alice", "wrong"), ("mallory", "s3cret!") })
        {
            await using var publisher = MosquittoClients.Publish(broker.Port, version, Unique.Topic(), 1, "x", credentials: (user, password));
            int exitCode = await publisher.WaitForExitAsync();
            Assert.NotEqual(0, exitCode);
            Assert.Contains(expected, publisher.Describe(), StringComparison.OrdinalIgnoreCase);
        }

        Assert.DoesNotContain(broker.Logs.Entries, e => e.Message.Contains("wrong", StringComparison.Ordinal) || e.Message.Contains("s3cret", StringComparison.Ordinal));
        Assert.Equal(2, broker.Logs.WarningsMentioning("Authentication failed").Count);
    }

    [Theory]
    [InlineData(4)]
    [InlineData(5)]
    public async Task Paho_connects_with_its_user_name_and_password(int version)
    {
        await using var files = new SecurityFiles();
        await files.AddUserAsync("paho-user", "paho-pass");
        await using var broker = await TestBroker.StartAsync(security: Passwords(files));
        string topic = Unique.Topic();

        await using var subscriber = PahoClient.Subscribe(broker.Port, version, topic, 1, credentials: ("paho-user", "paho-pass"));
        await subscriber.WaitForLineAsync(line => line == "READY", "paho's SUBACK");
        await using (var publisher = PahoClient.Publish(broker.Port, version, topic, 1, "paho-auth", credentials: ("paho-user", "paho-pass")))
        {
            await publisher.WaitForLineAsync(line => line == "PUBLISHED", "paho's publish");
        }

        await subscriber.WaitForLineAsync(line => line == $"MSG|{topic}|1|0|paho-auth", "the message at paho");
    }

    [Theory]
    [InlineData(4, "CONNECTED 4")]
    [InlineData(5, "CONNECTED Bad user name or password")]
    public async Task Paho_with_a_wrong_password_is_refused(int version, string expected)
    {
        await using var files = new SecurityFiles();
        await files.AddUserAsync("paho-user", "paho-pass");
        await using var broker = await TestBroker.StartAsync(security: Passwords(files));

        await using var publisher = PahoClient.Publish(broker.Port, version, Unique.Topic(), 0, "x", credentials: ("paho-user", "nope"));
        await publisher.WaitForLineAsync(line => line.StartsWith("CONNECTED", StringComparison.Ordinal), "paho's CONNACK");
        Assert.Contains(expected, publisher.Output.Snapshot());
    }

    [Theory]
    [InlineData(MqttProtocolVersion.V500)]
    [InlineData(MqttProtocolVersion.V311)]
    public async Task MQTTnet_gets_bad_user_name_or_password_for_bad_credentials_and_not_authorized_without_a_user_name(MqttProtocolVersion version)
    {
        await using var files = new SecurityFiles();
        await files.AddUserAsync("net", "right");
        await using var broker = await TestBroker.StartAsync(security: Passwords(files));

        Assert.Equal(MqttClientConnectResultCode.Success, await ConnectResultAsync(broker.Port, "net", "right", version));
        Assert.Equal(MqttClientConnectResultCode.BadUserNameOrPassword, await ConnectResultAsync(broker.Port, "net", "wrong", version));
        Assert.Equal(MqttClientConnectResultCode.BadUserNameOrPassword, await ConnectResultAsync(broker.Port, "nobody", "right", version));
        Assert.Equal(MqttClientConnectResultCode.NotAuthorized, await ConnectResultAsync(broker.Port, null, null, version));
    }

    [Fact]
    public async Task Repeated_failures_from_one_address_are_answered_late_then_banned_even_with_the_right_password()
    {
        await using var files = new SecurityFiles();
        await files.AddUserAsync("victim", "correct horse");
        TimeSpan delay = TimeSpan.FromMilliseconds(400);
        await using var broker = await TestBroker.StartAsync(security: Passwords(files, maxFailedAttempts: 3, failureDelay: delay));

        for (int i = 0; i < 3; i++)
        {
            var clock = Stopwatch.StartNew();
            Assert.Equal(MqttClientConnectResultCode.BadUserNameOrPassword, await ConnectResultAsync(broker.Port, "victim", "guess" + i));
            Assert.True(clock.Elapsed >= delay - TimeSpan.FromMilliseconds(20), $"a failed attempt was answered after {clock.Elapsed.TotalMilliseconds:0} ms");
        }

        Assert.Equal(MqttClientConnectResultCode.Banned, await ConnectResultAsync(broker.Port, "victim", "correct horse"));
        Assert.Equal(MqttClientConnectResultCode.NotAuthorized, await ConnectResultAsync(broker.Port, "victim", "correct horse", MqttProtocolVersion.V311)); // 3.1.1 has no "banned": 5
        Assert.Single(broker.Logs.WarningsMentioning("is banned for"));
    }

    [Fact]
    public async Task A_changed_password_file_applies_to_the_next_CONNECT_and_connected_clients_stay()
    {
        await using var files = new SecurityFiles();
        await files.AddUserAsync("carol", "old");
        await using var broker = await TestBroker.StartAsync(security: Passwords(files));
        await using var connected = await TestClient.ConnectAsync(broker.Port, configure: b => b.WithCredentials("carol", "old"));

        await files.AddUserAsync("carol", "new");
        await files.AddUserAsync("dave", "fresh");
        await Eventually.AssertAsync(() => broker.Logs.Entries.Any(e => e.Message.Contains("reloaded: 2 user(s)", StringComparison.Ordinal)), "the password file was reloaded");

        Assert.Equal(MqttClientConnectResultCode.BadUserNameOrPassword, await ConnectResultAsync(broker.Port, "carol", "old"));
        Assert.Equal(MqttClientConnectResultCode.Success, await ConnectResultAsync(broker.Port, "carol", "new"));
        Assert.Equal(MqttClientConnectResultCode.Success, await ConnectResultAsync(broker.Port, "dave", "fresh"));
        Assert.True(connected.Client.IsConnected);
        await connected.PingAsync();
    }

    [Fact]
    public async Task Unusable_lines_of_the_password_file_are_reported_with_their_line_numbers_and_the_other_users_log_in()
    {
        await using var files = new SecurityFiles();
        await files.AddUserAsync("good", "pw");
        File.AppendAllText(files.PasswordFile, "broken-line-without-colon\nplain:text-not-a-hash\n");
        await using var broker = await TestBroker.StartAsync(security: Passwords(files));

        Assert.Equal(MqttClientConnectResultCode.Success, await ConnectResultAsync(broker.Port, "good", "pw"));
        Assert.Equal(MqttClientConnectResultCode.BadUserNameOrPassword, await ConnectResultAsync(broker.Port, "plain", "text-not-a-hash"));
        Assert.Single(broker.Logs.WarningsMentioning("line 2:"));
        Assert.Single(broker.Logs.WarningsMentioning("line 3:"));
        Assert.Empty(broker.Logs.WarningsMentioning("text-not-a-hash"));
    }

    [Theory]
    [InlineData(4, 0x04)]
    [InlineData(5, 0x86)]
    public async Task A_huge_user_name_is_refused_cleanly_and_other_clients_are_unaffected(int level, byte expected)
    {
        await using var files = new SecurityFiles();
        await files.AddUserAsync("normal", "pw");
        await using var broker = await TestBroker.StartAsync(security: Passwords(files));
        await using var bystander = await TestClient.ConnectAsync(broker.Port, configure: b => b.WithCredentials("normal", "pw"));

        await using var raw = await RawMqttConnection.OpenAsync(broker.Port);
        await raw.SendAsync(RawPackets.Connect(level, Unique.ClientId(), userName: new string('u', 65_535), password: "pw"));
        var before = await raw.WaitForCloseAsync();

        var connAck = Assert.Single(before);
        Assert.Equal((RawPacket.ConnAck, expected), (connAck.Type, connAck.ConnAckCode));
        await bystander.PingAsync();
        var logged = Assert.Single(broker.Logs.WarningsMentioning("Authentication failed"));
        Assert.True(logged.Message.Length < 1_000, "the log line quotes a shortened user name");
    }
}
