using ClusterBroker.Core;
using ClusterBroker.Host;
using ClusterBroker.Transport;

namespace ClusterBroker.Storage.Redis.Tests;

/// <summary>
/// Broker nodes in process (BrokerHost, real listeners) on one redis-server, with real MQTTnet clients:
/// retained messages behave the same whichever node a client uses.
/// </summary>
public sealed class Brokers_Sharing_Redis_Tests(RedisServerFixture redis) : IClassFixture<RedisServerFixture>
{
    [Fact]
    public async Task A_retained_message_acknowledged_on_one_node_is_delivered_by_the_other_to_a_subscriber_that_subscribes_right_after()
    {
        string prefix = Unique.Prefix();
        await using BrokerHost a = await StartBrokerAsync(prefix);
        await using BrokerHost b = await StartBrokerAsync(prefix);
        await using var publisher = await MqttTestClient.ConnectAsync(a.Port);
        await using var subscriber = await MqttTestClient.ConnectAsync(b.Port);

        for (int i = 0; i < 20; i++)
        {
            string root = $"raw{i}-{Guid.NewGuid():N}";
            MQTTnet.MqttClientPublishResult acknowledged = await publisher.PublishRetainedAsync($"{root}/state", $"v{i}");
            Assert.True(acknowledged.IsSuccess || acknowledged.ReasonCode == MQTTnet.MqttClientPublishReasonCode.NoMatchingSubscribers);

            // Straight after the PUBACK, on the other node: an exact filter (read from Redis) and a wildcard one (index after
            // the version barrier). The message was published before these subscriptions existed, so only their retained
            // lookups can deliver it: had a lookup missed it, it would never arrive.
            await subscriber.SubscribeAsync($"{root}/state");
            await subscriber.SubscribeAsync($"{root}/+");
            var received = await subscriber.WaitForCountAsync($"{root}/state", 2);
            Assert.All(received, m => Assert.True(m.Payload == $"v{i}" && m.Retain));
        }
    }

    [Fact]
    public async Task A_retained_message_deleted_on_one_node_is_gone_for_new_subscribers_on_the_other()
    {
        string prefix = Unique.Prefix();
        await using BrokerHost a = await StartBrokerAsync(prefix);
        await using BrokerHost b = await StartBrokerAsync(prefix);
        await using var publisherA = await MqttTestClient.ConnectAsync(a.Port);
        await using var publisherB = await MqttTestClient.ConnectAsync(b.Port);
        string root = Unique.Topic("deleted");
        await publisherA.PublishRetainedAsync($"{root}/gone", "x");
        await publisherA.PublishRetainedAsync($"{root}/kept", "kept");

        await publisherB.PublishRetainedAsync($"{root}/gone", "");

        await using var subscriber = await MqttTestClient.ConnectAsync(a.Port);
        await subscriber.SubscribeAsync($"{root}/#");
        await subscriber.SubscribeAsync($"{root}/gone");
        await subscriber.SubscribeAsync($"{root}/kept");
        await subscriber.WaitForCountAsync($"{root}/kept", 2);
        Assert.DoesNotContain(subscriber.Received, m => m.Topic == $"{root}/gone");
        await Eventually.AssertAsync(() => a.RedisRetained!.IndexedCount == 1 && b.RedisRetained!.IndexedCount == 1, "both nodes index the one message left");
    }

    [Fact]
    public async Task A_retained_publish_is_routed_at_once_but_acknowledged_after_redis_stored_it_and_later_acknowledgements_wait_behind_it()
    {
        string prefix = Unique.Prefix();
        await using BrokerHost a = await StartBrokerAsync(prefix);
        await using var publisher = await MqttTestClient.ConnectAsync(a.Port);
        await using var subscriber = await MqttTestClient.ConnectAsync(a.Port);
        string root = Unique.Topic("acks");
        await subscriber.SubscribeAsync($"{root}/#");
        await using var raw = await RawRedis.ConnectAsync(redis.Server, prefix);
        // Redis holds every write command (the retained write script included) for 3 s.
        await raw.PauseWritesAsync(TimeSpan.FromSeconds(3));
        Task retained = publisher.PublishRetainedAsync($"{root}/retained", "r");
        Task plain = publisher.Client.PublishAsync(new MQTTnet.MqttApplicationMessageBuilder().WithTopic($"{root}/plain").WithPayload("p")
            .WithQualityOfServiceLevel(MQTTnet.Protocol.MqttQualityOfServiceLevel.AtLeastOnce).Build());

        // Both are delivered while Redis still holds the write: publishing never waits on Redis.
        await subscriber.WaitForCountAsync($"{root}/retained", 1);
        await subscriber.WaitForCountAsync($"{root}/plain", 1);

        // PINGRESP follows every packet the broker sent before it: no PUBACK yet, not even the plain one, which
        // waits behind the retained one ([MQTT-4.6.0-2]: PUBACKs in the order of the PUBLISH packets).
        await publisher.PingAsync();
        Assert.False(retained.IsCompleted, "the retained PUBLISH was acknowledged before Redis stored it");
        Assert.False(plain.IsCompleted, "a later PUBACK overtook the one waiting for Redis");

        await Task.WhenAll(retained, plain).WaitAsync(TestTimeouts.Default);
        Assert.Equal(1, await raw.CountAsync());
    }

    [Fact]
    public async Task A_new_subscriber_gets_the_retained_message_before_a_message_published_while_redis_was_being_asked()
    {
        string prefix = Unique.Prefix();
        await using BrokerHost a = await StartBrokerAsync(prefix);
        await using var publisher = await MqttTestClient.ConnectAsync(a.Port);
        await using var subscriber = await MqttTestClient.ConnectAsync(a.Port);
        await using var raw = await RawRedis.ConnectAsync(redis.Server, prefix);
        string topic = Unique.Topic("order");
        await publisher.PublishRetainedAsync(topic, "retained");

        // Redis answers nothing for 2 s: the subscription's retained lookup waits, the live message does not.
        await raw.PauseAllAsync(TimeSpan.FromSeconds(2));
        await subscriber.SubscribeAsync(topic);
        await publisher.Client.PublishAsync(new MQTTnet.MqttApplicationMessageBuilder().WithTopic(topic).WithPayload("live")
            .WithQualityOfServiceLevel(MQTTnet.Protocol.MqttQualityOfServiceLevel.AtLeastOnce).Build());

        var received = await subscriber.WaitForCountAsync(topic, 2);
        Assert.Equal([("retained", true), ("live", false)], received.Select(m => (m.Payload, m.Retain)));
    }

    private async Task<BrokerHost> StartBrokerAsync(string prefix)
    {
        var settings = new BrokerHostSettings
        {
            Transport = new TransportOptions { BindAddress = "127.0.0.1", Port = 0 },
            Broker = new BrokerOptions(),
            Redis = new RedisOptions { Configuration = redis.Server.Configuration, KeyPrefix = prefix },
        };
        using var cts = new CancellationTokenSource(TestTimeouts.BrokerStart);
        return await BrokerHost.StartAsync(settings, new LogCapture(), cts.Token);
    }
}
