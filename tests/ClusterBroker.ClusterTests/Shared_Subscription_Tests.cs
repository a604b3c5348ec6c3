namespace ClusterBroker.ClusterTests;

/// <summary>
/// Shared subscriptions ($share/group/filter) whose members are connected to different nodes: each
/// message goes to exactly one member of the group across the whole cluster.
/// </summary>
[Collection(SharedClusterCollection.Name)]
public sealed class Shared_Subscription_Tests(SharedClusterFixture fixture, ITestOutputHelper output)
{
    private const int Messages = 60;

    private TestCluster Cluster => fixture.Cluster;

    [Fact]
    public Task Each_message_reaches_exactly_one_member_of_a_group_with_members_on_all_three_nodes() => Cluster.VerifyAsync(async () =>
        await DeliverToGroupAsync(memberNodes: [1, 2, 3], publisherNode: 1));

    [Fact]
    public Task Each_message_reaches_exactly_one_member_of_a_group_whose_members_are_all_on_other_nodes() => Cluster.VerifyAsync(async () =>
        await DeliverToGroupAsync(memberNodes: [2, 3, 3], publisherNode: 1));

    private async Task DeliverToGroupAsync(int[] memberNodes, int publisherNode)
    {
        string root = Unique.Topic();
        string topic = $"{root}/t";
        var members = new List<MqttTestClient>();
        try
        {
            foreach (int node in memberNodes)
            {
                MqttTestClient member = await MqttTestClient.ConnectAsync(Cluster[node]);
                members.Add(member);
                await member.SubscribeAsync($"$share/g/{topic}", Q.Q1);
                // a plain filter subscribed after the shared one: once the publisher's node routes it,
                // this member's node has announced the group membership before it
                await member.SubscribeAsync($"{root}/sync", Q.Q1);
            }
            await using MqttTestClient publisher = await MqttTestClient.ConnectAsync(Cluster[publisherNode]);
            await RoutePropagation.AwaitAsync(publisher, $"{root}/sync", [.. members]);

            for (int i = 1; i <= Messages; i++)
            {
                await publisher.PublishAsync(topic, $"m{i}", Q.Q1);
            }
            int Total() => members.Sum(m => m.ApplicationMessages.Count(a => a.Topic == topic));
            await Eventually.TrueAsync(() => Total() >= Messages); // what is missing then is listed below
            await Fence.PassAsync(publisher, $"{root}/sync", [.. members]);

            var received = members.SelectMany(m => m.ApplicationMessages.Where(a => a.Topic == topic).Select(a => a.Payload)).ToList();
            output.WriteLine("messages per member: " + string.Join(", ", members.Select(m => $"{m}: {m.ApplicationMessages.Count(a => a.Topic == topic)}")));
            string[] expected = [.. Enumerable.Range(1, Messages).Select(i => $"m{i}")];
            Assert.True(received.Count == received.Distinct().Count(), $"duplicates: {string.Join(", ", received.GroupBy(p => p).Where(g => g.Count() > 1).Select(g => $"{g.Key} x{g.Count()}"))}");
            Assert.True(expected.All(received.Contains), $"lost: {string.Join(", ", expected.Except(received))}");
            Assert.Equal(Messages, received.Count);
        }
        finally
        {
            foreach (MqttTestClient member in members)
            {
                await member.DisposeAsync();
            }
        }
    }
}
