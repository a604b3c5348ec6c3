namespace ClusterBroker.ClusterTests;

/// <summary>
/// A node joining a running cluster learns the routes that exist (and asks for them as a snapshot),
/// and the others learn its routes: publishers and subscribers on it are served both ways.
/// </summary>
public sealed class Late_Join_Tests
{
    [Fact]
    public async Task A_node_joining_a_two_node_cluster_reaches_the_existing_subscribers_and_its_own_subscribers_are_reached()
    {
        await using TestCluster cluster = TestCluster.Plan(3);
        await cluster.VerifyAsync(async () =>
        {
            await cluster.StartNodesAsync(1, 2);
            await cluster.WaitForMembersUpAsync(2, 1, 2);
            string root = Unique.Topic();
            await using MqttTestClient onNode1 = await MqttTestClient.ConnectAsync(cluster[1]);
            await using MqttTestClient onNode2 = await MqttTestClient.ConnectAsync(cluster[2]);
            await onNode1.SubscribeAsync($"{root}/existing/#", Q.Q1);
            await onNode2.SubscribeAsync($"{root}/existing/#", Q.Q1);
            await using (MqttTestClient prober = await MqttTestClient.ConnectAsync(cluster[1]))
            {
                await RoutePropagation.AwaitAsync(prober, $"{root}/existing/probe", onNode1, onNode2);
            }

            await cluster.StartNodesAsync(3);
            await cluster.WaitForMembersUpAsync(3, 1, 2, 3);

            // a publisher on the new node reaches the subscribers that were there before it
            await using MqttTestClient onNode3 = await MqttTestClient.ConnectAsync(cluster[3]);
            await RoutePropagation.AwaitAsync(onNode3, $"{root}/existing/probe", onNode1, onNode2);
            await onNode3.PublishAsync($"{root}/existing/m", "from-the-new-node", Q.Q1);
            await Fence.PassAsync(onNode3, $"{root}/existing/fence", onNode1, onNode2);
            Assert.Equal(["from-the-new-node"], onNode1.ApplicationMessages.Select(m => m.Payload));
            Assert.Equal(["from-the-new-node"], onNode2.ApplicationMessages.Select(m => m.Payload));

            // a subscriber on the new node is reached from the others
            await using MqttTestClient newSubscriber = await MqttTestClient.ConnectAsync(cluster[3]);
            await newSubscriber.SubscribeAsync($"{root}/new/#", Q.Q1);
            await RoutePropagation.AwaitAsync(onNode1, $"{root}/new/probe", newSubscriber);
            await RoutePropagation.AwaitAsync(onNode2, $"{root}/new/probe", newSubscriber);
            await onNode1.PublishAsync($"{root}/new/m", "from-node-1", Q.Q1);
            await onNode2.PublishAsync($"{root}/new/m", "from-node-2", Q.Q1);
            await Fence.PassAsync(onNode1, $"{root}/new/fence", newSubscriber);
            await Fence.PassAsync(onNode2, $"{root}/new/fence", newSubscriber);
            Assert.Equal(["from-node-1", "from-node-2"], newSubscriber.ApplicationMessages.Select(m => m.Payload).Order(StringComparer.Ordinal));

            // it learnt the existing routes as a snapshot
            await using SysCounterReader sys = await SysCounterReader.ConnectAsync(cluster[3]);
            await sys.WaitForValueAsync(SysTopics.SnapshotsReceived, v => v >= 1, "at least 1 on the node that joined late");
        });
    }
}
