namespace ClusterBroker.ClusterTests;

/// <summary>
/// Durable sessions keep QoS 2 exactly once across a node loss by recording each step of a persistent session's QoS 2
/// flow in Redis before the packet that commits it is sent (README "Durable sessions"). Here Redis holds every write
/// back (CLIENT PAUSE WRITE): a clean session's subscriber, which records nothing, has the messages at once; the
/// persistent session's subscriber gets the QoS 2 PUBLISH only once Redis took its record, and a QoS 0 message
/// published after it still comes after it.
/// </summary>
public sealed class QoS2_Flow_Record_Tests
{
    [Fact]
    public async Task A_persistent_sessions_QoS_2_PUBLISH_waits_for_its_record_and_what_follows_keeps_its_order()
    {
        await using RedisProcess redis = await RedisProcess.StartAsync();
        await using TestCluster cluster = await TestCluster.StartAsync(1, "--redis", redis.Configuration);
        await cluster.VerifyAsync(async () =>
        {
            string topic = Unique.Topic("qos2-record");
            await using MqttTestClient persistent = await MqttTestClient.ConnectPersistentAsync(cluster[1], Unique.ClientId("persistent"));
            await persistent.SubscribeAsync(topic, Q.Q2);
            await using MqttTestClient clean = await MqttTestClient.ConnectAsync(cluster[1]);
            await clean.SubscribeAsync(topic, Q.Q2);
            await using MqttTestClient publisher = await MqttTestClient.ConnectAsync(cluster[1]);

            Assert.StartsWith("+OK", await redis.CommandAsync("CLIENT PAUSE 10000 WRITE"), StringComparison.Ordinal);
            Task first;
            try
            {
                first = publisher.PublishAsync(topic, "first", Q.Q2); // its PUBREC waits for the publish journal, in Redis too
                await publisher.PublishAsync(topic, "second", Q.Q0);

                Assert.True(
                    await Eventually.TrueAsync(() => clean.ApplicationMessages.Count == 2, Timeouts.Short),
                    $"the clean session's subscriber did not get both messages while Redis was paused: {clean.ApplicationMessages.Count}");
                Assert.Empty(persistent.ApplicationMessages);
            }
            finally
            {
                await redis.CommandAsync("CLIENT UNPAUSE");
            }

            await first;
            Assert.True(await Eventually.TrueAsync(() => persistent.ApplicationMessages.Count == 2, Timeouts.Short), "the persistent session's subscriber did not get the messages once Redis was back");
            Assert.Equal(new[] { ("first", 2), ("second", 0) }, persistent.ApplicationMessages.Select(m => (m.Payload, m.Qos)));
            Assert.Equal(new[] { "first", "second" }, clean.ApplicationMessages.Select(m => m.Payload));
        });
    }
}
