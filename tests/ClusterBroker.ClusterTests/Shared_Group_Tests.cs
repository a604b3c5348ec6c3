using System.Diagnostics;

namespace ClusterBroker.ClusterTests;

/// <summary>
/// Shared groups with members on different nodes: a departing member's unacknowledged messages go to a member on
/// another node, and messages kept while no member was online go to the next member that joins, on any node.
/// </summary>
[Collection(SharedClusterCollection.Name)]
public sealed class Shared_Group_Tests(SharedClusterFixture fixture, ITestOutputHelper output)
{
    private TestCluster Cluster => fixture.Cluster;

    private static List<string> Payloads(MqttTestClient client, string topic) =>
        [.. client.ApplicationMessages.Where(m => m.Topic == topic).Select(m => m.Payload)];

    [Fact]
    public Task A_member_that_disconnects_hands_its_unacknowledged_QoS_1_messages_to_a_member_on_another_node() => Cluster.VerifyAsync(async () =>
    {
        string root = Unique.Topic();
        string topic = $"{root}/t";
        await using MqttTestClient holder = await MqttTestClient.ConnectAsync(Cluster[2], manualAcks: true); // never acknowledges
        await using MqttTestClient taker = await MqttTestClient.ConnectAsync(Cluster[3]);
        foreach (MqttTestClient member in new[] { holder, taker })
        {
            await member.SubscribeAsync($"$share/r/{topic}", Q.Q1);
            await member.SubscribeAsync($"{root}/sync", Q.Q1);
        }

        await using MqttTestClient publisher = await MqttTestClient.ConnectAsync(Cluster[1]);
        await RoutePropagation.AwaitAsync(publisher, $"{root}/sync", holder, taker);
        string[] expected = [.. Enumerable.Range(1, 20).Select(i => $"m{i}")];
        foreach (string payload in expected)
        {
            await publisher.PublishAsync(topic, payload, Q.Q1);
        }

        await Eventually.AssertAsync(
            () => Payloads(holder, topic).Count + Payloads(taker, topic).Count >= expected.Length,
            () => $"holder {Payloads(holder, topic).Count}, taker {Payloads(taker, topic).Count} of {expected.Length}");
        List<string> held = Payloads(holder, topic);
        Assert.NotEmpty(held); // round robin over the two nodes gave the holder some
        output.WriteLine($"held unacknowledged by {holder}: {string.Join(",", held)}");

        await holder.DisposeAsync();
        await Eventually.AssertAsync(
            () => expected.All(Payloads(taker, topic).Contains),
            () => $"the taker lacks {string.Join(",", expected.Except(Payloads(taker, topic)))}");
        await Fence.PassAsync(publisher, $"{root}/sync", taker);
        List<string> taken = Payloads(taker, topic);
        Assert.True(taken.Count == taken.Distinct().Count(), $"duplicates at the taker: {string.Join(",", taken.GroupBy(p => p).Where(g => g.Count() > 1).Select(g => g.Key))}");
    });

    [Fact]
    public Task Messages_kept_while_no_member_was_online_go_to_the_next_member_that_joins_on_another_node() => Cluster.VerifyAsync(async () =>
    {
        string root = Unique.Topic();
        string topic = $"{root}/t";
        string filter = $"$share/w/{topic}";
        await using SysCounterReader node2 = await SysCounterReader.ConnectAsync(Cluster[2]);
        await using MqttTestClient publisher = await MqttTestClient.ConnectAsync(Cluster[1]);

        // A persistent member on node 2, known to node 1, that goes offline.
        string offlineId = Unique.ClientId("offline");
        await using (MqttTestClient member = await MqttTestClient.ConnectPersistentAsync(Cluster[2], offlineId))
        {
            await member.SubscribeAsync(filter, Q.Q1);
            await member.SubscribeAsync($"{root}/sync", Q.Q1);
            await RoutePropagation.AwaitAsync(publisher, $"{root}/sync", member);
            long connected = await node2.ReadSettledAsync("$SYS/broker/clients/connected");
            await member.DisconnectAsync();
            await node2.WaitForValueAsync("$SYS/broker/clients/connected", v => v == connected - 1, "node 2 saw the member leave");
        }

        string[] expected = [.. Enumerable.Range(1, 5).Select(i => $"q{i}")];
        foreach (string payload in expected)
        {
            await publisher.PublishAsync(topic, payload, Q.Q1);
        }

        await node2.WaitForValueAsync("$SYS/broker/shared/waiting", v => v == expected.Length, "node 2 keeps the 5 messages in the group");

        await using MqttTestClient next = await MqttTestClient.ConnectAsync(Cluster[3]);
        await next.SubscribeAsync(filter, Q.Q1);
        IReadOnlyList<ReceivedMessage> received = await next.Messages.WaitUntilAsync(list => list.Count(m => m.Topic == topic) >= expected.Length, "the kept messages at the member on node 3");
        Assert.Equal(expected, received.Where(m => m.Topic == topic).Select(m => m.Payload));
        await node2.WaitForValueAsync("$SYS/broker/shared/waiting", v => v == 0, "node 2's group queue is empty");

        // The offline member comes back: it does not get them a second time.
        await using MqttTestClient back = await MqttTestClient.ConnectPersistentAsync(Cluster[2], offlineId);
        await Fence.PassAsync(publisher, $"{root}/sync", back);
        Assert.Empty(Payloads(back, topic));
    });
}
