using System.Diagnostics;

namespace ClusterBroker.ClusterTests;

/// <summary>
/// SIGKILL crashes a node: its clients reconnect to another node at once (without waiting for the
/// crashed node to be downed), the others remove it after StableAfter, and the survivors keep serving.
/// </summary>
public sealed class Node_Crash_Tests(ITestOutputHelper output)
{

    [Fact]
    public async Task Clients_of_a_crashed_node_reconnect_elsewhere_at_once_and_the_survivors_remove_it_and_keep_serving()
    {
        await using TestCluster cluster = await TestCluster.StartAsync(3);
        await cluster.VerifyAsync(async () =>
        {
            string root = Unique.Topic();
            string v5Id = Unique.ClientId("crash5");
            string v311Id = Unique.ClientId("crash311");
            await using MqttTestClient v5 = await MqttTestClient.ConnectAsync(cluster[3], v5Id, MqttProtocolVersion.V500);
            await using MqttTestClient v311 = await MqttTestClient.ConnectAsync(cluster[3], v311Id, MqttProtocolVersion.V311);
            await v5.SubscribeAsync($"{root}/#", Q.Q1);

            ClusterNode crashed = cluster[3];
            var sinceCrash = Stopwatch.StartNew();
            crashed.Crash();
            await v5.Disconnected.WaitAsync(Timeouts.Mqtt);
            await v311.Disconnected.WaitAsync(Timeouts.Mqtt);

            // both reconnect at once, in parallel, as devices would. A ClientId whose registry or session shard was
            // on the crashed node is served once that node is downed (StableAfter after the failure detector noticed
            // it) and the shard restarted on a survivor; the others at once. Either way within the bound below.
            Task<(MqttTestClient Client, long AtMs)> v5Reconnect = ReconnectAsync(cluster[1], v5Id, MqttProtocolVersion.V500, sinceCrash);
            Task<(MqttTestClient Client, long AtMs)> v311Reconnect = ReconnectAsync(cluster[1], v311Id, MqttProtocolVersion.V311, sinceCrash);
            try
            {
                await Task.WhenAll(v5Reconnect, v311Reconnect);
            }
            catch
            {
                foreach (Task<(MqttTestClient Client, long AtMs)> reconnect in new[] { v5Reconnect, v311Reconnect }.Where(t => t.IsCompletedSuccessfully))
                {
                    await reconnect.Result.Client.DisposeAsync();
                }
                throw;
            }
            await using MqttTestClient v5Again = v5Reconnect.Result.Client;
            await using MqttTestClient v311Again = v311Reconnect.Result.Client;
            string timing = $"CONNACK on node 1 {v5Reconnect.Result.AtMs} ms (5.0) and {v311Reconnect.Result.AtMs} ms (3.1.1) after the crash";
            output.WriteLine(timing);
            Assert.Equal(MqttClientConnectResultCode.Success, v5Again.ConnectResult.ResultCode);
            Assert.Equal(MqttClientConnectResultCode.Success, v311Again.ConnectResult.ResultCode);
            Assert.True(Math.Max(v5Reconnect.Result.AtMs, v311Reconnect.Result.AtMs) <= ReconnectBound.TotalMilliseconds, $"a reconnection took longer than {ReconnectBound}: {timing}");

            await cluster[1].WaitForMembershipEventAsync(crashed, "was removed");
            await cluster[2].WaitForMembershipEventAsync(crashed, "was removed");
            await cluster.WaitForMembersUpAsync(2, 1, 2);

            // the survivors serve each other (clean sessions)
            await using MqttTestClient onNode2 = await MqttTestClient.ConnectAsync(cluster[2]);
            await onNode2.SubscribeAsync($"{root}/to-node-2", Q.Q1);
            await v5Again.SubscribeAsync($"{root}/to-node-1", Q.Q1);
            await RoutePropagation.AwaitAsync(v311Again, $"{root}/to-node-2", onNode2);
            await RoutePropagation.AwaitAsync(onNode2, $"{root}/to-node-1", v5Again);
            await v311Again.PublishAsync($"{root}/to-node-2", "from-node-1", Q.Q1);
            await onNode2.PublishAsync($"{root}/to-node-1", "from-node-2", Q.Q1);
            await Fence.PassAsync(v311Again, $"{root}/to-node-2", onNode2);
            await Fence.PassAsync(onNode2, $"{root}/to-node-1", v5Again);
            Assert.Equal(["from-node-1"], onNode2.ApplicationMessages.Select(m => m.Payload));
            Assert.Equal(["from-node-2"], v5Again.ApplicationMessages.Select(m => m.Payload));
        });
    }

    /// <summary>StableAfter (3 s) + failure detection (about 5 s) + shard restart, with margin for a loaded machine.</summary>
    private static readonly TimeSpan ReconnectBound = TimeSpan.FromSeconds(25);

    /// <summary>Connects, retrying after a refused or timed-out attempt as a device does, until the bound.</summary>
    private static async Task<(MqttTestClient Client, long AtMs)> ReconnectAsync(ClusterNode node, string clientId, MqttProtocolVersion version, Stopwatch sinceCrash)
    {
        while (true)
        {
            try
            {
                MqttTestClient client = await MqttTestClient.ConnectAsync(node, clientId, version);
                return (client, sinceCrash.ElapsedMilliseconds);
            }
            catch (Exception) when (sinceCrash.Elapsed < ReconnectBound)
            {
                // refused (0x88 while the shard restarts) or timed out: try again, bounded by the deadline
            }
        }
    }
}
