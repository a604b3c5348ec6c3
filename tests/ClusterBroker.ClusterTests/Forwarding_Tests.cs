namespace ClusterBroker.ClusterTests;

/// <summary>
/// What crosses node boundaries, read from the nodes' $SYS cluster counters: one forward per remote
/// node per message however many of its clients match, none to a node without a match, one route
/// entry per (filter, node).
/// </summary>
[Collection(SharedClusterCollection.Name)]
public sealed class Forwarding_Tests(SharedClusterFixture fixture, ITestOutputHelper output)
{
    private const int Messages = 40;

    private TestCluster Cluster => fixture.Cluster;

    [Fact]
    public Task A_node_receives_one_forward_per_message_however_many_of_its_clients_match_and_a_node_without_a_match_receives_none() => Cluster.VerifyAsync(async () =>
    {
        string root = Unique.Topic();
        var subscribers = new List<MqttTestClient>();
        try
        {
            for (int i = 0; i < 3; i++)
            {
                MqttTestClient subscriber = await MqttTestClient.ConnectAsync(Cluster[2]);
                subscribers.Add(subscriber);
                await subscriber.SubscribeAsync($"{root}/#", Q.Q1);
            }
            await using MqttTestClient publisher = await MqttTestClient.ConnectAsync(Cluster[1]);
            await RoutePropagation.AwaitAsync(publisher, $"{root}/probe", [.. subscribers]);
            await using SysCounterReader node1 = await SysCounterReader.ConnectAsync(Cluster[1]);
            await using SysCounterReader node2 = await SysCounterReader.ConnectAsync(Cluster[2]);
            await using SysCounterReader node3 = await SysCounterReader.ConnectAsync(Cluster[3]);
            (long sentBefore, long receivedBefore, long node3Before) = await ReadAsync(node1, node2, node3);
            long overLinksBefore = await node2.ReadSettledAsync(SysTopics.ForwardsReceivedOverLinks);

            for (int i = 1; i <= Messages; i++)
            {
                await publisher.PublishAsync($"{root}/m/{i}", $"m{i}", Q.Q1);
            }
            foreach (MqttTestClient subscriber in subscribers)
            {
                await subscriber.Messages.WaitUntilAsync(list => list.Count(m => !m.IsControl) >= Messages, $"{Messages} messages at {subscriber}");
            }
            (long sentAfter, long receivedAfter, long node3After) = await ReadAsync(node1, node2, node3);
            long overLinksAfter = await node2.ReadSettledAsync(SysTopics.ForwardsReceivedOverLinks);

            output.WriteLine($"node1 forwards/sent {sentBefore} -> {sentAfter}, node2 forwards/received {receivedBefore} -> {receivedAfter} ({overLinksBefore} -> {overLinksAfter} over forward links), node3 forwards/received {node3Before} -> {node3After}");
            Assert.All(subscribers, s => Assert.Equal(Messages, s.ApplicationMessages.Count));
            Assert.Equal(Messages, receivedAfter - receivedBefore);
            Assert.Equal(Messages, overLinksAfter - overLinksBefore); // over node1's forward link to node2, not Akka remoting
            Assert.Equal(0, node3After - node3Before);
            Assert.Equal(Messages, sentAfter - sentBefore);
        }
        finally
        {
            foreach (MqttTestClient subscriber in subscribers)
            {
                await subscriber.DisposeAsync();
            }
        }
    });

    [Fact]
    public Task A_filter_is_one_route_entry_on_the_other_nodes_however_many_clients_subscribe_it_and_leaves_with_the_last_of_them() => Cluster.VerifyAsync(async () =>
    {
        string filter = $"{Unique.Topic()}/#";
        await using SysCounterReader node1 = await SysCounterReader.ConnectAsync(Cluster[1]);
        long before = await node1.ReadSettledAsync(SysTopics.ClusterRoutes);

        await using MqttTestClient first = await MqttTestClient.ConnectAsync(Cluster[2]);
        await using MqttTestClient second = await MqttTestClient.ConnectAsync(Cluster[2]);
        await first.SubscribeAsync(filter, Q.Q1);
        await second.SubscribeAsync(filter, Q.Q0);
        await using (MqttTestClient publisher = await MqttTestClient.ConnectAsync(Cluster[1]))
        {
            await RoutePropagation.AwaitAsync(publisher, filter.Replace("#", "probe", StringComparison.Ordinal), first, second);
        }
        long withSubscribers = await node1.ReadSettledAsync(SysTopics.ClusterRoutes);
        await first.UnsubscribeAsync(filter);
        long withOne = await node1.ReadSettledAsync(SysTopics.ClusterRoutes);
        await second.UnsubscribeAsync(filter);
        long after = await node1.ReadSettledAsync(SysTopics.ClusterRoutes);

        output.WriteLine($"node1 routes: {before} before, {withSubscribers} with two subscribers on node2, {withOne} with one, {after} after");
        Assert.Equal(before + 1, withSubscribers);
        Assert.Equal(before + 1, withOne);
        Assert.Equal(before, after);
    });

    [Fact]
    public Task Every_node_reports_three_members_in_SYS() => Cluster.VerifyAsync(async () =>
    {
        for (int number = 1; number <= 3; number++)
        {
            await using SysCounterReader reader = await SysCounterReader.ConnectAsync(Cluster[number]);
            await reader.WaitForValueAsync(SysTopics.ClusterMembers, v => v == 3, "3");
        }
    });

    private static async Task<(long Node1Sent, long Node2Received, long Node3Received)> ReadAsync(SysCounterReader node1, SysCounterReader node2, SysCounterReader node3)
    {
        Task<long> sent = node1.ReadSettledAsync(SysTopics.ForwardsSent);
        Task<long> received = node2.ReadSettledAsync(SysTopics.ForwardsReceived);
        Task<long> third = node3.ReadSettledAsync(SysTopics.ForwardsReceived);
        return (await sent, await received, await third);
    }
}
