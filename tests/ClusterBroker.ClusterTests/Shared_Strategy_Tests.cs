using System.Diagnostics;

namespace ClusterBroker.ClusterTests;

/// <summary>
/// Shared-subscription strategies across a 3-node cluster with members on every node: exactly once under load,
/// the strategy's property held cluster-wide, and what a node crash costs.
/// </summary>
public sealed class Shared_Strategy_Tests(ITestOutputHelper output)
{
    private static List<ReceivedMessage> Data(MqttTestClient client, string prefix) =>
        [.. client.ApplicationMessages.Where(m => m.Topic.StartsWith(prefix, StringComparison.Ordinal))];

    /// <summary>Lost and duplicated payloads, reported separately.</summary>
    private (List<string> Lost, List<string> Duplicated) Account(IEnumerable<string> expected, IEnumerable<string> received)
    {
        var counts = received.GroupBy(p => p).ToDictionary(g => g.Key, g => g.Count());
        List<string> lost = [.. expected.Where(p => !counts.ContainsKey(p))];
        List<string> duplicated = [.. counts.Where(kv => kv.Value > 1).Select(kv => $"{kv.Key} x{kv.Value}")];
        output.WriteLine($"lost {lost.Count}: {string.Join(",", lost.Take(50))}");
        output.WriteLine($"duplicated {duplicated.Count}: {string.Join(",", duplicated.Take(50))}");
        return (lost, duplicated);
    }

    [Fact]
    public async Task Hash_clientid_delivers_exactly_once_under_load_and_keeps_a_publisher_on_one_member_from_any_node()
    {
        await using TestCluster cluster = await TestCluster.StartAsync(3, "--shared-strategy", "hash_clientid");
        await cluster.VerifyAsync(async () =>
        {
            const int PerPublisher = 400;
            string root = Unique.Topic();
            string data = $"{root}/data";
            var members = new List<MqttTestClient>();
            var publishers = new List<MqttTestClient>();
            try
            {
                foreach (int node in new[] { 1, 1, 2, 2, 3, 3 })
                {
                    MqttTestClient member = await MqttTestClient.ConnectAsync(cluster[node]);
                    members.Add(member);
                    await member.SubscribeAsync($"$share/g/{data}/#", Q.Q1);
                    await member.SubscribeAsync($"{root}/sync", Q.Q1);
                }

                for (int p = 0; p < 6; p++)
                {
                    MqttTestClient publisher = await MqttTestClient.ConnectAsync(cluster[1 + (p % 3)], Unique.ClientId($"pub{p}"));
                    publishers.Add(publisher);
                    await RoutePropagation.AwaitAsync(publisher, $"{root}/sync", [.. members]);
                }

                var elapsed = Stopwatch.StartNew();
                await Task.WhenAll(publishers.Select(async (publisher, p) =>
                {
                    for (int i = 0; i < PerPublisher; i++)
                    {
                        await publisher.PublishAsync($"{data}/{i % 10}", $"p{p}:{i}", Q.Q1);
                    }
                }));
                output.WriteLine($"{publishers.Count * PerPublisher} QoS 1 messages published in {elapsed.ElapsedMilliseconds} ms");

                string[] expected = [.. Enumerable.Range(0, publishers.Count).SelectMany(p => Enumerable.Range(0, PerPublisher).Select(i => $"p{p}:{i}"))];
                await Eventually.TrueAsync(() => members.Sum(m => Data(m, data).Count) >= expected.Length, TimeSpan.FromSeconds(60));
                foreach (MqttTestClient publisher in publishers)
                {
                    await Fence.PassAsync(publisher, $"{root}/sync", [.. members]);
                }

                output.WriteLine("messages per member: " + string.Join(", ", members.Select(m => $"{m}: {Data(m, data).Count}")));
                (List<string> lost, List<string> duplicated) = Account(expected, members.SelectMany(m => Data(m, data)).Select(m => m.Payload));
                Assert.True(lost.Count == 0, $"{lost.Count} lost");
                Assert.True(duplicated.Count == 0, $"{duplicated.Count} duplicated");

                // Every publisher's messages went to one member, wherever the publisher and the member are.
                MqttTestClient MemberOf(int p) => Assert.Single(members, m => Data(m, data).Any(x => x.Payload.StartsWith($"p{p}:", StringComparison.Ordinal)));
                MqttTestClient[] owners = [.. Enumerable.Range(0, publishers.Count).Select(MemberOf)];
                output.WriteLine("publisher -> member: " + string.Join(", ", owners.Select((m, p) => $"p{p}@{publishers[p].Node.Name} -> {m}")));

                // The same publisher reconnecting to each other node still reaches the same member.
                for (int hop = 1; hop <= 2; hop++)
                {
                    string publisherId = publishers[0].ClientId;
                    ClusterNode other = cluster[1 + ((publishers[0].Node.Number - 1 + hop) % 3)];
                    await publishers[0].DisposeAsync();
                    publishers[0] = await MqttTestClient.ConnectAsync(other, publisherId);
                    for (int i = 0; i < 20; i++)
                    {
                        await publishers[0].PublishAsync($"{data}/{i % 10}", $"p0:{hop}-{i}", Q.Q1);
                    }

                    await Fence.PassAsync(publishers[0], $"{root}/sync", [.. members]);
                    Assert.Equal(20, Data(owners[0], data).Count(m => m.Payload.StartsWith($"p0:{hop}-", StringComparison.Ordinal)));
                }
            }
            finally
            {
                foreach (MqttTestClient client in publishers.Concat(members))
                {
                    await client.DisposeAsync();
                }
            }
        });
    }

    [Fact]
    public async Task After_a_member_node_is_killed_the_group_is_served_by_the_survivors_without_duplicates()
    {
        await using TestCluster cluster = await TestCluster.StartAsync(3);
        await cluster.VerifyAsync(async () =>
        {
            MemberNodeKill kill = await KillAMemberNodeAsync(cluster);
            Assert.Empty(kill.Duplicated);
            // Messages placed on node 3 before it was removed died with it (inflight there, or forwarded into the void);
            // everything published after the removal reached the survivor.
            Assert.All(kill.Lost, p => Assert.InRange(int.Parse(p[1..], System.Globalization.CultureInfo.InvariantCulture), 1, kill.LastInWindow));
            Assert.All(Enumerable.Range(kill.LastInWindow + 1, 100), i => Assert.Contains($"m{i}", kill.AtSurvivor));
        });
    }

    [Fact]
    public async Task With_durable_sessions_the_messages_placed_on_a_killed_member_node_go_to_a_surviving_member()
    {
        // Redis turns durable sessions on, and with them the crash replay: what each node placed on the dead node
        // shortly before its removal is placed again (at least once).
        await using RedisProcess redis = await RedisProcess.StartAsync();
        await using TestCluster cluster = await TestCluster.StartAsync(3, "--redis", redis.Configuration);
        await cluster.VerifyAsync(async () =>
        {
            MemberNodeKill kill = await KillAMemberNodeAsync(cluster, awaitReplay: true);
            output.WriteLine($"duplicated (delivered by node 3 before it died, then placed again): {kill.Duplicated.Count}");
            Assert.True(kill.Lost.Count == 0, $"lost: {string.Join(", ", kill.Lost)}");
        });
    }

    private sealed record MemberNodeKill(List<string> Lost, List<string> Duplicated, int LastInWindow, List<string> AtSurvivor);

    /// <summary>
    /// A group with a member on node 2 and one on node 3, a publisher on node 1; node 3 is killed while the publisher
    /// keeps publishing until node 1 removed it, then 100 more. Lost and duplicated are counted over both members.
    /// </summary>
    /// <param name="awaitReplay">
    /// Wait (bounded) until every message arrived: the replay of what was placed on the dead node is sent when node 1's
    /// route table handles the removal, which may come after the removal's log line the fence follows.
    /// </param>
    private async Task<MemberNodeKill> KillAMemberNodeAsync(TestCluster cluster, bool awaitReplay = false)
    {
        string root = Unique.Topic();
        string topic = $"{root}/t";
        await using MqttTestClient survivor = await MqttTestClient.ConnectAsync(cluster[2]);
        await using MqttTestClient doomed = await MqttTestClient.ConnectAsync(cluster[3]);
        foreach (MqttTestClient member in new[] { survivor, doomed })
        {
            await member.SubscribeAsync($"$share/k/{topic}", Q.Q1);
            await member.SubscribeAsync($"{root}/sync", Q.Q1);
        }

        await using MqttTestClient publisher = await MqttTestClient.ConnectAsync(cluster[1]);
        await RoutePropagation.AwaitAsync(publisher, $"{root}/sync", survivor, doomed);

        int sequence = 0;
        async Task PublishAsync(int count)
        {
            for (int i = 0; i < count; i++)
            {
                await publisher.PublishAsync(topic, $"m{++sequence}", Q.Q1);
            }
        }

        await PublishAsync(50);
        await Eventually.TrueAsync(() => survivor.ApplicationMessages.Count(m => m.Topic == topic) + doomed.ApplicationMessages.Count(m => m.Topic == topic) >= 50);
        ClusterNode node3 = cluster[3];
        node3.Crash();
        await doomed.Disconnected.WaitAsync(Timeouts.Mqtt);
        var before = doomed.ApplicationMessages.Where(m => m.Topic == topic).Select(m => m.Payload).ToList();

        // Keep publishing (one message every few ms) until node 1 has removed node 3, then 100 more.
        Task removed = cluster[1].WaitForMembershipEventAsync(node3, "was removed", TimeSpan.FromSeconds(60));
        int firstInWindow = sequence + 1;
        while (!removed.IsCompleted)
        {
            await PublishAsync(1);
            await Task.WhenAny(removed, Task.Delay(10)); // pacing, not synchronisation
        }

        await removed;
        int lastInWindow = sequence;
        await PublishAsync(100);
        await Fence.PassAsync(publisher, $"{root}/sync", survivor);

        string[] all = [.. Enumerable.Range(1, sequence).Select(i => $"m{i}")];
        if (awaitReplay)
        {
            await Eventually.TrueAsync(
                () => Account(all, survivor.ApplicationMessages.Where(m => m.Topic == topic).Select(m => m.Payload).Concat(before)).Lost.Count == 0,
                TimeSpan.FromSeconds(15));
        }

        var atSurvivor = survivor.ApplicationMessages.Where(m => m.Topic == topic).Select(m => m.Payload).ToList();
        (List<string> lost, List<string> duplicated) = Account(all, atSurvivor.Concat(before));
        output.WriteLine($"window between the kill and the removal: m{firstInWindow}..m{lastInWindow} ({lastInWindow - firstInWindow + 1} messages); lost {lost.Count}, duplicated {duplicated.Count}");
        return new MemberNodeKill(lost, duplicated, lastInWindow, atSurvivor);
    }
}
