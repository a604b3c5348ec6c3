using System.Text;

namespace ClusterBroker.ClusterTests;

/// <summary>
/// Retained messages in a 3-node cluster sharing one Redis: the same whichever node a client uses (set, delete,
/// expiry, wildcards), and still there after every broker node restarted.
/// </summary>
public sealed class Retained_Tests
{
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
                await publisher.PublishAsync(RetainedProbe.Message($"{root}/a", "a"));
                await publisher.PublishAsync(RetainedProbe.Message($"{root}/b", "b"));
                // long enough to be seen on a loaded machine right after, short enough to wait for
                await publisher.PublishAsync(RetainedProbe.Message($"{root}/expires", "soon", expirySeconds: 5));
            }

            // Right after the PUBACKs, on the other nodes, by exact topic and by wildcard.
            Assert.Equal([($"{root}/a", "a")], await RetainedProbe.SeenOnAsync(cluster[2], root, $"{root}/a"));
            Assert.Equal([($"{root}/a", "a"), ($"{root}/b", "b"), ($"{root}/expires", "soon")], await RetainedProbe.SeenOnAsync(cluster[3], root, $"{root}/+"));

            await using (MqttTestClient deleter = await MqttTestClient.ConnectAsync(cluster[3]))
            {
                await deleter.PublishAsync($"{root}/a", "", Q.Q1, retain: true);
            }

            DateTime expired = DateTime.UtcNow.AddSeconds(5.5);
            Assert.True(await Eventually.TrueAsync(() => DateTime.UtcNow >= expired, TimeSpan.FromSeconds(10)), "the 5 s Message Expiry Interval elapsed");
            foreach (int number in new[] { 1, 2, 3 })
            {
                Assert.Equal([($"{root}/b", "b")], await RetainedProbe.SeenOnAsync(cluster[number], root, $"{root}/#"));
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
                await publisher.PublishAsync(RetainedProbe.Message($"{root}/state", "kept"));
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
                Assert.Equal([($"{root}/state", "kept")], await RetainedProbe.SeenOnAsync(cluster[number], root, $"{root}/#"));
            }
        });
    }
}
