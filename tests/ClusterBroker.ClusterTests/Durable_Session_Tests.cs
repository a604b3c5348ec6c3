namespace ClusterBroker.ClusterTests;

/// <summary>
/// Durable sessions (a cluster with Redis): when a node is killed, the persistent sessions at home there (their
/// client was connected there, or their subscriptions were kept there while the client was away) continue on a
/// survivor from the session store, keep their subscriptions, queue what is published for them, and publish the
/// Wills of the connections that died.
/// </summary>
public sealed class Durable_Session_Tests
{
    [Fact]
    public async Task Persistent_sessions_at_home_on_a_killed_node_continue_on_a_survivor_with_their_subscriptions_queue_and_will()
    {
        await using RedisProcess redis = await RedisProcess.StartAsync();
        await using TestCluster cluster = await TestCluster.StartAsync(3, "--redis", redis.Configuration);
        await cluster.VerifyAsync(async () =>
        {
            string root = Unique.Topic("durable");
            // online on node 3 when it dies, and away (subscriptions kept on node 3), in both protocol versions
            var sessions = new (string Id, MqttProtocolVersion Version, bool Online)[]
            {
                (Unique.ClientId("online5"), MqttProtocolVersion.V500, true),
                (Unique.ClientId("online311"), MqttProtocolVersion.V311, true),
                (Unique.ClientId("away5"), MqttProtocolVersion.V500, false),
                (Unique.ClientId("away311"), MqttProtocolVersion.V311, false),
            };
            await using MqttTestClient willWatcher = await MqttTestClient.ConnectAsync(cluster[1]);
            await willWatcher.SubscribeAsync($"{root}/wills/#", Q.Q1);
            var online = new List<MqttTestClient>();
            try
            {
                foreach ((string id, MqttProtocolVersion version, bool stays) in sessions)
                {
                    // each online client leaves a Will, due when its connection ends without DISCONNECT
                    MqttTestClient client = await MqttTestClient.ConnectAsync(cluster[3], id, version, b =>
                    {
                        if (version == MqttProtocolVersion.V500)
                        {
                            b.WithCleanStart(false).WithSessionExpiryInterval(3600);
                        }
                        else
                        {
                            b.WithCleanSession(false);
                        }

                        if (stays)
                        {
                            b.WithWillTopic($"{root}/wills/{id}").WithWillPayload("gone").WithWillQualityOfServiceLevel(Q.Q1);
                        }
                    });
                    await client.SubscribeAsync($"{root}/{id}/#", Q.Q1);
                    if (stays)
                    {
                        online.Add(client);
                    }
                    else
                    {
                        await client.DisposeAsync(); // a normal DISCONNECT: the session waits on node 3
                    }
                }

                ClusterNode crashed = cluster[3];
                crashed.Crash();
                await cluster[1].WaitForMembershipEventAsync(crashed, "was removed");
                await cluster[2].WaitForMembershipEventAsync(crashed, "was removed");

                // each session continues on one survivor, which says so
                var recoveredOn = new Dictionary<string, ClusterNode>();
                Assert.True(await Eventually.TrueAsync(() =>
                {
                    foreach ((string id, _, _) in sessions)
                    {
                        foreach (ClusterNode survivor in new[] { cluster[1], cluster[2] })
                        {
                            if (survivor.Log.Snapshot().Any(line => line.Contains($"Session of client {id} continues on this node", StringComparison.Ordinal)))
                            {
                                recoveredOn[id] = survivor;
                            }
                        }
                    }

                    return recoveredOn.Count == sessions.Length;
                }, Timeouts.Membership), $"recovered: {string.Join(", ", recoveredOn.Keys)}; node 1: {cluster[1].Describe(30)}; node 2: {cluster[2].Describe(30)}");

                // the Wills of the connections that died with node 3 are published by the nodes that continued their sessions
                string[] expectedWills = [.. sessions.Where(x => x.Online).Select(x => $"{root}/wills/{x.Id}").Order(StringComparer.Ordinal)];
                Assert.True(
                    await Eventually.TrueAsync(() => willWatcher.ApplicationMessages.Count >= expectedWills.Length, Timeouts.Mqtt),
                    $"Wills received: [{string.Join(", ", willWatcher.ApplicationMessages.Select(m => m.Topic))}]");
                Assert.Equal(expectedWills, willWatcher.ApplicationMessages.Select(m => m.Topic).Order(StringComparer.Ordinal));

                // published while the clients are away, on the node now keeping each session's subscriptions
                foreach ((string id, _, _) in sessions)
                {
                    await using MqttTestClient publisher = await MqttTestClient.ConnectAsync(recoveredOn[id]);
                    for (int i = 1; i <= 3; i++)
                    {
                        await publisher.PublishAsync($"{root}/{id}/m", $"while-away-{i}", Q.Q1);
                    }
                }

                foreach ((string id, MqttProtocolVersion version, _) in sessions)
                {
                    // the client comes back to the other survivor: its session is there, with what was queued
                    ClusterNode other = recoveredOn[id] == cluster[1] ? cluster[2] : cluster[1];
                    await using MqttTestClient again = await MqttTestClient.ConnectPersistentAsync(other, id, version);
                    Assert.True(again.ConnectResult.IsSessionPresent, $"{id}: the session was not present on {other.Name}");
                    Assert.True(
                        await Eventually.TrueAsync(() => again.ApplicationMessages.Count(m => m.Payload.StartsWith("while-away-", StringComparison.Ordinal)) >= 3, Timeouts.Mqtt),
                        $"{id}: got [{string.Join(", ", again.ApplicationMessages.Select(m => m.Payload))}]");
                    Assert.Equal(["while-away-1", "while-away-2", "while-away-3"], again.ApplicationMessages.Where(m => m.Payload.StartsWith("while-away-", StringComparison.Ordinal)).Select(m => m.Payload));

                    // and its subscription is still in place: no SUBSCRIBE was sent again
                    await using MqttTestClient publisher = await MqttTestClient.ConnectAsync(cluster[1]);
                    await RoutePropagation.AwaitAsync(publisher, $"{root}/{id}/probe", again);
                }
            }
            finally
            {
                foreach (MqttTestClient client in online)
                {
                    await client.DisposeAsync();
                }
            }
        });
    }
}
