using ClusterBroker.Core;

namespace ClusterBroker.IntegrationTests;

/// <summary>
/// Each shared-subscription strategy (Broker:SharedSubscriptionStrategy) on one node, with real MQTT clients:
/// every message still reaches exactly one member, and the strategy's own property holds.
/// </summary>
public sealed class Shared_Strategy_Tests
{
    private static async Task<TestBroker> BrokerAsync(string strategy) =>
        await TestBroker.StartAsync(new BrokerOptions { SharedSubscriptionStrategy = strategy });

    private static async Task<List<TestClient>> MembersAsync(int port, string filter, int count)
    {
        var members = new List<TestClient>();
        for (var i = 0; i < count; i++)
        {
            var member = await TestClient.ConnectAsync(port);
            members.Add(member);
            await member.SubscribeAsync(filter, Q.Q1);
        }
        return members;
    }

    private static async Task DisposeAllAsync(IEnumerable<TestClient> clients)
    {
        foreach (var client in clients)
        {
            await client.DisposeAsync();
        }
    }

    /// <summary>Waits for <paramref name="count"/> messages in the group, then asserts each payload arrived exactly once.</summary>
    private static async Task<Dictionary<TestClient, List<ReceivedMessage>>> ExactlyOnceAsync(List<TestClient> members, IEnumerable<string> payloads)
    {
        string[] expected = [.. payloads];
        var wanted = expected.ToHashSet();
        List<ReceivedMessage> Of(TestClient member) => [.. member.Messages.Snapshot().Where(m => wanted.Contains(m.Payload))];
        await Eventually.AssertAsync(() => members.Sum(m => Of(m).Count) >= expected.Length, $"{expected.Length} messages delivered to the group");
        var received = members.SelectMany(Of).Select(m => m.Payload).ToList();
        Assert.True(received.Count == received.Distinct().Count(), "duplicates: " + string.Join(",", received.GroupBy(p => p).Where(g => g.Count() > 1).Select(g => g.Key)));
        Assert.Equal(expected.Order(), received.Order());
        return members.ToDictionary(m => m, Of);
    }

    [Fact]
    public async Task Random_delivers_each_message_once_and_reaches_every_member()
    {
        await using var broker = await BrokerAsync("random");
        var topic = Unique.Topic();
        var members = await MembersAsync(broker.Port, $"$share/g/{topic}", 3);
        try
        {
            await using var publisher = await TestClient.ConnectAsync(broker.Port);
            for (var i = 0; i < 90; i++)
            {
                await publisher.PublishAsync(topic, $"{i}", Q.Q1);
            }

            var byMember = await ExactlyOnceAsync(members, Enumerable.Range(0, 90).Select(i => $"{i}"));
            Assert.All(byMember.Values, list => Assert.NotEmpty(list)); // each has 1/3 chance per message: 90 misses are (2/3)^90
        }
        finally
        {
            await DisposeAllAsync(members);
        }
    }

    [Fact]
    public async Task Sticky_keeps_one_member_until_it_leaves_then_keeps_another()
    {
        await using var broker = await BrokerAsync("sticky");
        var topic = Unique.Topic();
        var members = await MembersAsync(broker.Port, $"$share/g/{topic}", 3);
        try
        {
            await using var publisher = await TestClient.ConnectAsync(broker.Port);
            for (var i = 0; i < 20; i++)
            {
                await publisher.PublishAsync(topic, $"a{i}", Q.Q1);
            }

            var first = await ExactlyOnceAsync(members, Enumerable.Range(0, 20).Select(i => $"a{i}"));
            TestClient chosen = Assert.Single(first, kv => kv.Value.Count > 0).Key;
            Assert.Equal(20, first[chosen].Count);

            await chosen.DisposeAsync();
            members.Remove(chosen);
            await Eventually.AssertAsync(() => !broker.Host.Node.Context.Router.TryGetEndpoint(chosen.ClientId, out _), "the broker saw the chosen member leave");

            for (var i = 0; i < 20; i++)
            {
                await publisher.PublishAsync(topic, $"b{i}", Q.Q1);
            }

            var second = await ExactlyOnceAsync(members, Enumerable.Range(0, 20).Select(i => $"b{i}"));
            Assert.Equal(20, Assert.Single(second, kv => kv.Value.Count > 0).Value.Count);
        }
        finally
        {
            await DisposeAllAsync(members);
        }
    }

    [Fact]
    public async Task Hash_clientid_sends_all_messages_of_one_publisher_to_one_member()
    {
        await using var broker = await BrokerAsync("hash_clientid");
        var topic = Unique.Topic();
        var members = await MembersAsync(broker.Port, $"$share/g/{topic}/#", 3);
        var publishers = new List<TestClient>();
        try
        {
            for (var p = 0; p < 6; p++)
            {
                var publisher = await TestClient.ConnectAsync(broker.Port, Unique.ClientId("pub"));
                publishers.Add(publisher);
                for (var i = 0; i < 10; i++)
                {
                    // different topics: only the publisher decides
                    await publisher.PublishAsync($"{topic}/{i}", $"p{p}-{i}", Q.Q1);
                }
            }

            var byMember = await ExactlyOnceAsync(members, Enumerable.Range(0, 6).SelectMany(p => Enumerable.Range(0, 10).Select(i => $"p{p}-{i}")));
            for (var p = 0; p < 6; p++)
            {
                string prefix = $"p{p}-";
                Assert.Single(byMember, kv => kv.Value.Any(m => m.Payload.StartsWith(prefix, StringComparison.Ordinal)));
            }
        }
        finally
        {
            await DisposeAllAsync(publishers);
            await DisposeAllAsync(members);
        }
    }

    [Fact]
    public async Task Hash_topic_sends_all_messages_of_one_topic_to_one_member()
    {
        await using var broker = await BrokerAsync("hash_topic");
        var topic = Unique.Topic();
        var members = await MembersAsync(broker.Port, $"$share/g/{topic}/+", 3);
        var publishers = new List<TestClient>();
        try
        {
            for (var p = 0; p < 3; p++)
            {
                publishers.Add(await TestClient.ConnectAsync(broker.Port));
            }

            for (var i = 0; i < 60; i++)
            {
                // several publishers per topic: only the topic decides
                await publishers[i % 3].PublishAsync($"{topic}/{i % 6}", $"{i % 6}:{i}", Q.Q1);
            }

            var byMember = await ExactlyOnceAsync(members, Enumerable.Range(0, 60).Select(i => $"{i % 6}:{i}"));
            for (var t = 0; t < 6; t++)
            {
                string suffix = $"{topic}/{t}";
                Assert.Single(byMember, kv => kv.Value.Any(m => m.Topic == suffix));
            }
        }
        finally
        {
            await DisposeAllAsync(publishers);
            await DisposeAllAsync(members);
        }
    }

    [Fact]
    public async Task Local_on_a_single_node_takes_turns_among_the_members()
    {
        await using var broker = await BrokerAsync("local");
        var topic = Unique.Topic();
        var members = await MembersAsync(broker.Port, $"$share/g/{topic}", 3);
        try
        {
            await using var publisher = await TestClient.ConnectAsync(broker.Port);
            for (var i = 0; i < 30; i++)
            {
                await publisher.PublishAsync(topic, $"{i}", Q.Q1);
            }

            var byMember = await ExactlyOnceAsync(members, Enumerable.Range(0, 30).Select(i => $"{i}"));
            Assert.All(byMember.Values, list => Assert.Equal(10, list.Count));
        }
        finally
        {
            await DisposeAllAsync(members);
        }
    }
}
