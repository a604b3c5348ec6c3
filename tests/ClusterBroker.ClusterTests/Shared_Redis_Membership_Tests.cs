namespace ClusterBroker.ClusterTests;

/// <summary>
/// Shared-group membership in Redis (3 nodes, one real redis-server): every node caches every member, placement
/// skips a node whose members are all offline, and a downed node's members leave the membership.
/// </summary>
public sealed class Shared_Redis_Membership_Tests(ITestOutputHelper output)
{
    private const string MembersCounter = "$SYS/broker/shared/redis/members";

    [Fact]
    public async Task Every_node_caches_the_members_messages_avoid_offline_members_and_a_killed_nodes_members_are_removed()
    {
        await using RedisProcess redis = await RedisProcess.StartAsync();
        await using TestCluster cluster = await TestCluster.StartAsync(3, "--redis", redis.Configuration);
        await cluster.VerifyAsync(async () =>
        {
            string root = Unique.Topic();
            string topic = $"{root}/t";
            string filter = $"$share/r/{topic}";
            await using SysCounterReader node1 = await SysCounterReader.ConnectAsync(cluster[1]);
            await using SysCounterReader node2 = await SysCounterReader.ConnectAsync(cluster[2]);
            await using MqttTestClient m1 = await MqttTestClient.ConnectAsync(cluster[1]);
            MqttTestClient m2 = await MqttTestClient.ConnectPersistentAsync(cluster[2], Unique.ClientId("offline"));
            MqttTestClient m3 = await MqttTestClient.ConnectAsync(cluster[3]);
            try
            {
                foreach (MqttTestClient member in new[] { m1, m2, m3 })
                {
                    await member.SubscribeAsync(filter, Q.Q1);
                    await member.SubscribeAsync($"{root}/sync", Q.Q1);
                }

                await using MqttTestClient publisher = await MqttTestClient.ConnectAsync(cluster[1]);
                await RoutePropagation.AwaitAsync(publisher, $"{root}/sync", m1, m2, m3);
                await node1.WaitForValueAsync(MembersCounter, v => v == 3, "node 1 caches the 3 members");
                await node2.WaitForValueAsync(MembersCounter, v => v == 3, "node 2 caches the 3 members");

                await m2.DisconnectAsync(); // its session stays: an offline member on node 2
                // Node 1 learns through Redis that node 2 has no online member; the fence goes to m1 and m3 only.
                await Task.WhenAll(RoutePropagation.AwaitAsync(publisher, $"{root}/sync", m1, m3));

                await node1.WaitForValueAsync("$SYS/broker/shared/redis/members", v => v == 3, "node 1 still caches 3 members (one offline)");
                long forwardsBefore = await node2.ReadSettledAsync("$SYS/broker/cluster/forwards/received");
                string[] expected = [.. Enumerable.Range(1, 60).Select(i => $"m{i}")];
                foreach (string payload in expected)
                {
                    await publisher.PublishAsync(topic, payload, Q.Q1);
                }

                List<string> Received() => [.. new[] { m1, m3 }.SelectMany(m => m.ApplicationMessages.Where(a => a.Topic == topic).Select(a => a.Payload))];
                await Eventually.TrueAsync(() => Received().Count >= expected.Length, TimeSpan.FromSeconds(60));
                // No group message was placed on node 2, whose only member is offline (the route table alone would place a third there).
                Assert.Equal(forwardsBefore, await node2.ReadSettledAsync("$SYS/broker/cluster/forwards/received"));
                await Fence.PassAsync(publisher, $"{root}/sync", m1, m3);
                List<string> received = Received();
                output.WriteLine($"m1 {m1.ApplicationMessages.Count(a => a.Topic == topic)}, m3 {m3.ApplicationMessages.Count(a => a.Topic == topic)}");
                Assert.True(received.Count == received.Distinct().Count(), "duplicates: " + string.Join(",", received.GroupBy(p => p).Where(g => g.Count() > 1).Select(g => g.Key)));
                Assert.Equal(expected.Order(), received.Order());
                Assert.Equal(0, await node2.ReadSettledAsync("$SYS/broker/shared/waiting"));

                // Node 3 dies: once it is removed, its member leaves every node's cache (and Redis).
                ClusterNode doomed = cluster[3];
                doomed.Crash();
                await cluster[1].WaitForMembershipEventAsync(doomed, "was removed", TimeSpan.FromSeconds(60));
                await node1.WaitForValueAsync(MembersCounter, v => v == 2, "node 1 forgot the member of the killed node");
                await node2.WaitForValueAsync(MembersCounter, v => v == 2, "node 2 forgot the member of the killed node");

                for (int i = 1; i <= 10; i++)
                {
                    await publisher.PublishAsync(topic, $"after{i}", Q.Q1);
                }

                await Fence.PassAsync(publisher, $"{root}/sync", m1);
                Assert.Equal(10, m1.ApplicationMessages.Count(a => a.Payload.StartsWith("after", StringComparison.Ordinal)));
            }
            finally
            {
                await m2.DisposeAsync();
                await m3.DisposeAsync();
            }
        });
    }

    [Fact]
    public async Task Messages_kept_while_every_member_was_offline_go_to_the_member_that_comes_back_on_any_node()
    {
        await using RedisProcess redis = await RedisProcess.StartAsync();
        await using TestCluster cluster = await TestCluster.StartAsync(3, "--redis", redis.Configuration);
        await cluster.VerifyAsync(async () =>
        {
            string root = Unique.Topic();
            string topic = $"{root}/t";
            string filter = $"$share/w/{topic}";
            await using SysCounterReader node1 = await SysCounterReader.ConnectAsync(cluster[1]);
            await using SysCounterReader node2 = await SysCounterReader.ConnectAsync(cluster[2]);
            await using SysCounterReader node3 = await SysCounterReader.ConnectAsync(cluster[3]);
            await using MqttTestClient publisher = await MqttTestClient.ConnectAsync(cluster[1]);

            // Two persistent members, on nodes 2 and 3, both offline: the group has members (and routes) on both.
            string[] ids = [Unique.ClientId("away2"), Unique.ClientId("away3")];
            for (int i = 0; i < 2; i++)
            {
                await using MqttTestClient member = await MqttTestClient.ConnectPersistentAsync(cluster[2 + i], ids[i]);
                await member.SubscribeAsync(filter, Q.Q1);
                await member.SubscribeAsync($"{root}/sync", Q.Q1);
                await RoutePropagation.AwaitAsync(publisher, $"{root}/sync", member);
                await member.DisconnectAsync();
            }

            await node1.WaitForValueAsync(MembersCounter, v => v == 2, "node 1 caches the 2 members");
            string[] expected = [.. Enumerable.Range(1, 10).Select(i => $"q{i}")];
            foreach (string payload in expected)
            {
                await publisher.PublishAsync(topic, payload, Q.Q1);
            }

            long waiting2 = await node2.ReadSettledAsync("$SYS/broker/shared/waiting");
            long waiting3 = await node3.ReadSettledAsync("$SYS/broker/shared/waiting");
            output.WriteLine($"waiting on node 2: {waiting2}, on node 3: {waiting3}");
            Assert.Equal(expected.Length, waiting2 + waiting3);

            // The member of node 3 comes back there, where the group had a member already (so no route is announced):
            // node 2 learns it through Redis and sends what it kept.
            await using MqttTestClient back = await MqttTestClient.ConnectPersistentAsync(cluster[3], ids[1]);
            IReadOnlyList<ReceivedMessage> received = await back.Messages.WaitUntilAsync(
                list => list.Count(m => m.Topic == topic) >= expected.Length, "every kept message at the member back on node 3");
            List<string> payloads = [.. received.Where(m => m.Topic == topic).Select(m => m.Payload)];
            Assert.Equal(expected.Order(), payloads.Order());
            await node2.WaitForValueAsync("$SYS/broker/shared/waiting", v => v == 0, "node 2 kept nothing");
            await node3.WaitForValueAsync("$SYS/broker/shared/waiting", v => v == 0, "node 3 kept nothing");
        });
    }
}
