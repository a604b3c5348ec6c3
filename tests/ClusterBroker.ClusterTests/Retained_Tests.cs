using System.Text;

namespace ClusterBroker.ClusterTests;

/// <summary>
/// Retained messages in a 3-node cluster sharing one Redis: the same whichever node a client uses (set, delete,
/// expiry, wildcards), and still there after every broker node restarted.
/// </summary>
public sealed class Retained_Tests
{
    private static MqttApplicationMessage Retained(string topic, string payload, uint? expirySeconds = null)
    {
        MqttApplicationMessageBuilder builder = new MqttApplicationMessageBuilder().WithTopic(topic).WithPayload(Encoding.UTF8.GetBytes(payload))
            .WithQualityOfServiceLevel(Q.Q1).WithRetainFlag();
        if (expirySeconds is uint seconds)
        {
            builder.WithMessageExpiryInterval(seconds);
        }

        return builder.Build();
    }

    /// <summary>Subscribes to the filter on the node and returns the retained messages it got (a local fence after them: the mailbox waits behind the retained lookup).</summary>
    private static async Task<List<(string Topic, string Payload)>> RetainedSeenOnAsync(ClusterNode node, string root, string filter)
    {
        await using MqttTestClient subscriber = await MqttTestClient.ConnectAsync(node);
        await subscriber.SubscribeAsync(filter, Q.Q1);
        await subscriber.SubscribeAsync($"{root}/fence", Q.Q1);
        await using MqttTestClient fencer = await MqttTestClient.ConnectAsync(node);
        await Fence.PassAsync(fencer, $"{root}/fence", subscriber);
        return [.. subscriber.ApplicationMessages.Where(m => m.Retain).Select(m => (m.Topic, m.Payload)).OrderBy(m => m.Topic, StringComparer.Ordinal)];
    }

    [Fact]
    public async Task A_retained_message_set_deleted_or_expired_on_one_node_is_so_on_every_node()
    {
        await using RedisProcess redis = await RedisProcess.StartAsync();
        await using TestCluster cluster = await TestCluster.StartAsync(3, "--redis", redis.Configuration);
        await cluster.VerifyAsync(async () =>
        {
            string root = Unique.Topic("retained");
            await using (MqttTestClient publisher = await MqttTestClient.ConnectAsync(cluster[1]))
            {
                await publisher.PublishAsync(Retained($"{root}/a", "a"));
                await publisher.PublishAsync(Retained($"{root}/b", "b"));
                await publisher.PublishAsync(Retained($"{root}/expires", "soon", expirySeconds: 2));
            }

            // Right after the PUBACKs, on the other nodes, by exact topic and by wildcard.
            Assert.Equal([($"{root}/a", "a")], await RetainedSeenOnAsync(cluster[2], root, $"{root}/a"));
            Assert.Equal([($"{root}/a", "a"), ($"{root}/b", "b"), ($"{root}/expires", "soon")], await RetainedSeenOnAsync(cluster[3], root, $"{root}/+"));

            await using (MqttTestClient deleter = await MqttTestClient.ConnectAsync(cluster[3]))
            {
                await deleter.PublishAsync($"{root}/a", "", Q.Q1, retain: true);
            }

            DateTime expired = DateTime.UtcNow.AddSeconds(2.5);
            Assert.True(await Eventually.TrueAsync(() => DateTime.UtcNow >= expired), "the 2 s Message Expiry Interval elapsed");
            foreach (int number in new[] { 1, 2, 3 })
            {
                Assert.Equal([($"{root}/b", "b")], await RetainedSeenOnAsync(cluster[number], root, $"{root}/#"));
            }
        });
    }

    [Fact]
    public async Task Retained_messages_are_still_there_after_every_broker_node_restarted()
    {
        await using RedisProcess redis = await RedisProcess.StartAsync();
        await using TestCluster cluster = await TestCluster.StartAsync(3, "--redis", redis.Configuration);
        await cluster.VerifyAsync(async () =>
        {
            string root = Unique.Topic("survives");
            await using (MqttTestClient publisher = await MqttTestClient.ConnectAsync(cluster[2]))
            {
                await publisher.PublishAsync(Retained($"{root}/state", "kept"));
            }

            foreach (int number in new[] { 1, 2, 3 })
            {
                cluster[number].Terminate();
            }

            foreach (int number in new[] { 1, 2, 3 })
            {
                Assert.Equal(0, await cluster[number].WaitForExitAsync());
            }

            await cluster.StartNodesAsync(1, 2, 3);
            await cluster.WaitForMembersUpAsync(3);
            foreach (int number in new[] { 1, 2, 3 })
            {
                Assert.Equal([($"{root}/state", "kept")], await RetainedSeenOnAsync(cluster[number], root, $"{root}/#"));
            }
        });
    }
}
