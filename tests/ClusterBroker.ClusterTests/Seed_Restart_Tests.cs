namespace ClusterBroker.ClusterTests;

/// <summary>
/// The first node of the seed list, stopped and started again alone, rejoins the running cluster
/// instead of forming a second one.
/// </summary>
public sealed class Seed_Restart_Tests
{
    [Fact]
    public async Task The_first_seed_restarted_alone_rejoins_the_existing_cluster()
    {
        await using TestCluster cluster = await TestCluster.StartAsync(3);
        await cluster.VerifyAsync(async () =>
        {
            ClusterNode firstRun = cluster[1];
            firstRun.Terminate();
            Assert.Equal(0, await firstRun.WaitForExitAsync());
            await cluster[2].WaitForMembershipEventAsync(firstRun, "left");
            await cluster[3].WaitForMembershipEventAsync(firstRun, "left");
            await cluster.WaitForMembersUpAsync(2, 2, 3);

            ClusterNode secondRun = await cluster.RestartAsync(1);

            await cluster.WaitForMembersUpAsync(3, 1, 2, 3);
            await using (SysCounterReader sys = await SysCounterReader.ConnectAsync(secondRun))
            {
                await sys.WaitForValueAsync(SysTopics.ClusterMembers, v => v == 3, "3 on the restarted first seed");
            }
            string topic = Unique.Topic();
            await using MqttTestClient subscriber = await MqttTestClient.ConnectAsync(secondRun);
            await subscriber.SubscribeAsync(topic, Q.Q1);
            await using MqttTestClient publisher = await MqttTestClient.ConnectAsync(cluster[2]);
            await RoutePropagation.AwaitAsync(publisher, topic, subscriber);
            await publisher.PublishAsync(topic, "one-cluster", Q.Q1);
            await Fence.PassAsync(publisher, topic, subscriber);
            Assert.Equal(["one-cluster"], subscriber.ApplicationMessages.Select(m => m.Payload));
        });
    }
}
