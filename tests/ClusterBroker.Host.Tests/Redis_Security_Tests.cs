using System.Net;
using ClusterBroker.Host.Security;
using ClusterBroker.Storage.Redis;
using ClusterBroker.Transport;
using MQTTnet;
using MQTTnet.Formatter;
using MQTTnet.Protocol;

namespace ClusterBroker.Host.Tests;

/// <summary>
/// Users and ACL in Redis (--redis-users, --redis-acl): two brokers sharing one real redis-server see a user added,
/// an ACL uploaded, a bad ACL refused, and a user deleted with the passwd / acl commands (the real executable),
/// without a restart; real MQTTnet clients over real sockets.
/// </summary>
public sealed class Redis_Security_Tests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task Users_and_ACL_in_Redis_are_shared_by_every_broker_and_changes_apply_without_a_restart()
    {
        int redisPort = HostProcess.FreePort();
        System.Diagnostics.Process redis = TestRedis.Start(redisPort);
        string configuration = $"127.0.0.1:{redisPort}";
        string prefix = $"security-test-{Guid.NewGuid():N}:";
        var brokers = new List<BrokerHost>();
        string aclFile = Path.GetTempFileName();
        try
        {
            for (int i = 0; i < 2; i++)
            {
                brokers.Add(await StartBrokerAsync(configuration, prefix));
            }

            // nobody yet: a user name with any password is refused everywhere (fail closed)
            foreach (BrokerHost broker in brokers)
                Assert.Equal(MqttClientConnectResultCode.BadUserNameOrPassword, await ConnectAsync(broker, "alice", "secret"));

            Assert.Equal(0, await RunAsync("passwd", "--redis", configuration, "--prefix", prefix, "alice", "secret"));
            foreach (BrokerHost broker in brokers)
            {
                await EventuallyAsync(async () => await ConnectAsync(broker, "alice", "secret") == MqttClientConnectResultCode.Success, "alice admitted on every broker");
                Assert.Equal(MqttClientConnectResultCode.BadUserNameOrPassword, await ConnectAsync(broker, "alice", "wrong"));
            }

            // the ACL: alice may use alice/# only
            await File.WriteAllTextAsync(aclFile, "user alice\ntopic readwrite alice/#\n");
            Assert.Equal(0, await RunAsync("acl", "--redis", configuration, "--prefix", prefix, aclFile));
            foreach (BrokerHost broker in brokers)
                await EventuallyAsync(async () => await SubscribeAsync(broker, "alice/x") == MqttClientSubscribeResultCode.GrantedQoS1 && await SubscribeAsync(broker, "other/x") == MqttClientSubscribeResultCode.NotAuthorized, "the ACL applied on every broker");

            // an ACL with an unusable line is refused and nothing changes
            await File.WriteAllTextAsync(aclFile, "user alice\ntopic sometimes alice/#\n");
            Assert.Equal(1, await RunAsync("acl", "--redis", configuration, "--prefix", prefix, aclFile));
            foreach (BrokerHost broker in brokers)
                Assert.Equal(MqttClientSubscribeResultCode.GrantedQoS1, await SubscribeAsync(broker, "alice/x"));

            Assert.Equal(0, await RunAsync("passwd", "--redis", configuration, "--prefix", prefix, "-D", "alice"));
            foreach (BrokerHost broker in brokers)
                await EventuallyAsync(async () => await ConnectAsync(broker, "alice", "secret") == MqttClientConnectResultCode.BadUserNameOrPassword, "alice refused again on every broker");
        }
        finally
        {
            foreach (BrokerHost broker in brokers)
                await broker.DisposeAsync();
            redis.Kill();
            await redis.WaitForExitAsync();
            File.Delete(aclFile);
        }
    }

    private static Task<BrokerHost> StartBrokerAsync(string configuration, string prefix) => BrokerHost.StartAsync(new BrokerHostSettings
    {
        Transport = new TransportOptions { BindAddress = "127.0.0.1", Port = 0 },
        Redis = new RedisOptions { Configuration = configuration, KeyPrefix = prefix, ReconcileInterval = TimeSpan.FromSeconds(1) },
        // no throttling: the test makes many attempts from one address on purpose
        Security = new SecurityOptions { RedisUsers = true, RedisAcl = true, FailureDelay = TimeSpan.Zero, MaxFailedAttempts = 10_000 },
    });

    private static async Task<int> RunAsync(params string[] arguments)
    {
        using HostProcess command = HostProcess.Start(arguments);
        return await command.WaitForExitAsync(TimeSpan.FromSeconds(60));
    }

    private static async Task<MqttClientConnectResultCode> ConnectAsync(BrokerHost broker, string user, string password)
    {
        using IMqttClient client = new MqttClientFactory().CreateMqttClient();
        MqttClientOptions options = new MqttClientOptionsBuilder().WithTcpServer(IPAddress.Loopback.ToString(), broker.Port)
            .WithProtocolVersion(MqttProtocolVersion.V500).WithCredentials(user, password).WithTimeout(TimeSpan.FromSeconds(10)).Build();
        try
        {
            MqttClientConnectResult result = await client.ConnectAsync(options);
            await client.DisconnectAsync();
            return result.ResultCode;
        }
        catch (MQTTnet.Adapter.MqttConnectingFailedException ex)
        {
            // MQTTnet names the refusal's result code in the message only
            return Enum.GetValues<MqttClientConnectResultCode>()
                .Where(code => ex.Message.Contains(code.ToString(), StringComparison.Ordinal))
                .OrderByDescending(code => code.ToString().Length)
                .DefaultIfEmpty(MqttClientConnectResultCode.UnspecifiedError)
                .First();
        }
    }

    private static async Task<MqttClientSubscribeResultCode> SubscribeAsync(BrokerHost broker, string filter)
    {
        using IMqttClient client = new MqttClientFactory().CreateMqttClient();
        await client.ConnectAsync(new MqttClientOptionsBuilder().WithTcpServer(IPAddress.Loopback.ToString(), broker.Port)
            .WithProtocolVersion(MqttProtocolVersion.V500).WithCredentials("alice", "secret").WithTimeout(TimeSpan.FromSeconds(10)).Build());
        MqttClientSubscribeResult result = await client.SubscribeAsync(new MqttClientSubscribeOptionsBuilder().WithTopicFilter(filter, MqttQualityOfServiceLevel.AtLeastOnce).Build());
        await client.DisconnectAsync();
        return result.Items.Single().ResultCode;
    }

    private static async Task EventuallyAsync(Func<Task<bool>> condition, string what)
    {
        DateTime deadline = DateTime.UtcNow + Bound;
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, $"not within {Bound}: {what}");
            await Task.Delay(100); // polling interval of a bounded wait
        }
    }
}
