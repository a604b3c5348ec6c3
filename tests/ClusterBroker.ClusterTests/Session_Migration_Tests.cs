using System.Globalization;
using System.Text;

namespace ClusterBroker.ClusterTests;

/// <summary>
/// A persistent session reconnecting on another node: its queued messages, and its unacknowledged
/// (inflight) ones again with DUP, follow it; afterwards each new message arrives once (a copy that also came
/// through the old node is not sent again); and a queue of thousands of messages moves without loss.
/// </summary>
[Collection(SharedClusterCollection.Name)]
public sealed class Session_Migration_Tests(SharedClusterFixture fixture, ITestOutputHelper output)
{
    private TestCluster Cluster => fixture.Cluster;

    [Theory]
    [InlineData(MqttProtocolVersion.V311)]
    [InlineData(MqttProtocolVersion.V500)]
    public Task Inflight_and_queued_messages_follow_a_persistent_session_from_node_1_to_node_2_and_new_ones_arrive_once(MqttProtocolVersion version) => Cluster.VerifyAsync(async () =>
    {
        const int Inflight = 5;
        const int Queued = 10;
        const int After = 10;
        string clientId = Unique.ClientId("mover");
        string root = Unique.Topic();
        await using MqttTestClient publisher = await MqttTestClient.ConnectAsync(Cluster[3]);

        // on node 1: receive Inflight messages without acknowledging them, then go offline
        await using (MqttTestClient onNode1 = await MqttTestClient.ConnectPersistentAsync(Cluster[1], clientId, version, manualAcks: true))
        {
            await onNode1.SubscribeAsync($"{root}/#", Q.Q1);
            await RoutePropagation.AwaitAsync(publisher, $"{root}/probe", onNode1);
            for (int i = 1; i <= Inflight; i++)
            {
                await publisher.PublishAsync($"{root}/m", $"inflight-{i}", Q.Q1);
            }
            await onNode1.Messages.WaitUntilAsync(list => list.Count(m => m.Payload.StartsWith("inflight-", StringComparison.Ordinal)) == Inflight, $"{Inflight} unacknowledged messages on node 1");
            await onNode1.DisconnectAsync();
        }
        for (int i = 1; i <= Queued; i++)
        {
            await publisher.PublishAsync($"{root}/m", $"queued-{i}", Q.Q1);
        }

        // on node 2: the session with everything that was not acknowledged
        await using MqttTestClient onNode2 = await MqttTestClient.ConnectPersistentAsync(Cluster[2], clientId, version);
        Assert.True(onNode2.ConnectResult.IsSessionPresent, "the session was not present on node 2");
        await onNode2.Messages.TryWaitUntilAsync(list => list.Count(m => !m.IsControl) >= Inflight + Queued, Timeouts.Default);
        await Fence.PassAsync(publisher, $"{root}/fence", onNode2);
        IReadOnlyList<ReceivedMessage> moved = onNode2.ApplicationMessages;
        output.WriteLine("received on node 2: " + string.Join(", ", moved.Select(m => $"{m.Payload}{(m.Dup ? " (dup)" : "")}")));
        string[] expected = [.. Enumerable.Range(1, Inflight).Select(i => $"inflight-{i}"), .. Enumerable.Range(1, Queued).Select(i => $"queued-{i}")];
        Assert.True(expected.Order(StringComparer.Ordinal).SequenceEqual(moved.Select(m => m.Payload).Order(StringComparer.Ordinal)),
            $"lost [{string.Join(", ", expected.Except(moved.Select(m => m.Payload)))}]; received on node 2 [{string.Join(", ", moved.Select(m => $"{m.Payload}{(m.Dup ? " (dup)" : "")}"))}]");
        Assert.All(moved.Where(m => m.Payload.StartsWith("inflight-", StringComparison.Ordinal)), m => Assert.True(m.Dup, $"{m} was sent again without DUP [MQTT-3.3.1-1]"));

        // afterwards: each new message once, in order. Node 1 forgets the moved endpoint only once every member's earlier
        // forwards reached it (so none is lost in the move): a message published in that moment reaches the session both
        // directly and through node 1, and the resumed connection sends the second copy no more (RecentMessageIds).
        await RoutePropagation.AwaitAsync(publisher, $"{root}/probe", onNode2);
        for (int i = 1; i <= After; i++)
        {
            await publisher.PublishAsync($"{root}/m", $"after-{i}", Q.Q1);
        }
        await Fence.PassAsync(publisher, $"{root}/fence", onNode2);
        List<string> after = [.. onNode2.ApplicationMessages.Select(m => m.Payload).Where(p => p.StartsWith("after-", StringComparison.Ordinal))];
        output.WriteLine($"after the move: {after.Count} deliveries of {After} messages ({after.Count - after.Distinct().Count()} duplicates)");
        Assert.Equal(Enumerable.Range(1, After).Select(i => $"after-{i}"), after);
    });

    /// <summary>
    /// The moment a move can repeat a message: numbered messages stream from node 3 while the same ClientId connects on
    /// node 2 and takes the session over from node 1. Until node 1 has forgotten the session (after every member's earlier
    /// forwards reached it), node 3 forwards to both, and node 1 passes its copy on to the session. Each message must
    /// reach node 2's connection once (a message node 1 sent and was not acknowledged for comes again with DUP, once), and
    /// none may be lost.
    /// </summary>
    [Theory]
    [InlineData(MqttProtocolVersion.V311)]
    [InlineData(MqttProtocolVersion.V500)]
    public Task A_session_taken_over_on_another_node_while_messages_stream_to_it_gets_each_once_there(MqttProtocolVersion version) => Cluster.VerifyAsync(async () =>
    {
        const int BeforeMove = 100;
        const int AfterMove = 300;
        string clientId = Unique.ClientId("streammove");
        string root = Unique.Topic();
        await using MqttTestClient publisher = await MqttTestClient.ConnectAsync(Cluster[3]);
        await using MqttTestClient onNode1 = await MqttTestClient.ConnectPersistentAsync(Cluster[1], clientId, version);
        await onNode1.SubscribeAsync($"{root}/#", Q.Q1);
        await RoutePropagation.AwaitAsync(publisher, $"{root}/probe", onNode1);
        await using SysCounterReader node2Counters = await SysCounterReader.ConnectAsync(Cluster[2]);
        long repeatsBefore = await node2Counters.ReadSettledAsync("$SYS/broker/messages/repeats-suppressed");

        int acked = 0;
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        Task streaming = Task.Run(async () =>
        {
            for (int seq = 1; seq <= 20_000 && !stop.IsCancellationRequested; seq++)
            {
                await publisher.PublishAsync($"{root}/s", seq.ToString(CultureInfo.InvariantCulture), Q.Q1);
                Volatile.Write(ref acked, seq);
            }
        });
        MqttTestClient? onNode2 = null;
        try
        {
            Assert.True(await Eventually.TrueAsync(() => Volatile.Read(ref acked) >= BeforeMove || streaming.IsCompleted), "the stream did not start");
            onNode2 = await MqttTestClient.ConnectPersistentAsync(Cluster[2], clientId, version);
            Assert.True(onNode2.ConnectResult.IsSessionPresent, "the session was not present on node 2");
            int movedAt = Volatile.Read(ref acked);
            Assert.True(await Eventually.TrueAsync(() => Volatile.Read(ref acked) >= movedAt + AfterMove || streaming.IsCompleted), "the stream stalled after the move");
            await stop.CancelAsync();
            await streaming;
            await Fence.PassAsync(publisher, $"{root}/fence", onNode2);

            List<int> onFirst = Sequences(onNode1);
            List<int> onSecond = Sequences(onNode2);
            int total = Volatile.Read(ref acked);
            var repeated = onSecond.GroupBy(s => s).Where(g => g.Count() > 1).Select(g => g.Key).Order().ToList();
            var lost = Enumerable.Range(1, total).Except(onFirst).Except(onSecond).ToList();
            long suppressed = await node2Counters.ReadSettledAsync("$SYS/broker/messages/repeats-suppressed") - repeatsBefore;
            output.WriteLine(
                $"acknowledged {total}; node 1 delivered {onFirst.Count}, node 2 {onSecond.Count} ({onNode2.ApplicationMessages.Count(m => m.Dup)} with DUP); " +
                $"repeated on node 2: {repeated.Count}; lost: {lost.Count}; repeats suppressed by node 2: {suppressed}");
            Assert.True(repeated.Count == 0, $"delivered more than once on node 2: {string.Join(", ", repeated.Take(20))}");
            Assert.True(lost.Count == 0, $"lost: {string.Join(", ", lost.Take(20))}");
        }
        finally
        {
            await stop.CancelAsync();
            await streaming.ContinueWith(_ => { }, TaskScheduler.Default);
            if (onNode2 is not null)
            {
                await onNode2.DisposeAsync();
            }
        }

        List<int> Sequences(MqttTestClient client) =>
            [.. client.ApplicationMessages.Where(m => m.Topic == $"{root}/s").Select(m => int.Parse(m.Payload, CultureInfo.InvariantCulture))];
    });

    [Fact]
    public Task A_queue_of_thousands_of_messages_with_large_ones_among_them_moves_to_another_node_without_loss() => Cluster.VerifyAsync(async () =>
    {
        const int Small = 3000;
        const int SmallSize = 1024;
        const int LargeSize = 200 * 1024;
        int[] largeAfter = [1000, 2000, 3000];
        string clientId = Unique.ClientId("bigqueue");
        string root = Unique.Topic();
        await using MqttTestClient publisher = await MqttTestClient.ConnectAsync(Cluster[3]);
        await using (MqttTestClient onNode1 = await MqttTestClient.ConnectPersistentAsync(Cluster[1], clientId))
        {
            await onNode1.SubscribeAsync($"{root}/#", Q.Q1);
            await RoutePropagation.AwaitAsync(publisher, $"{root}/probe", onNode1);
            await onNode1.DisconnectAsync();
        }

        var expected = new Dictionary<string, int>();
        for (int i = 1; i <= Small; i++)
        {
            string id = $"s{i}";
            await publisher.PublishAsync($"{root}/m", Payload(id, SmallSize), Q.Q1);
            expected[id] = SmallSize;
            if (largeAfter.Contains(i))
            {
                string largeId = $"L{i}";
                await publisher.PublishAsync($"{root}/large", Payload(largeId, LargeSize), Q.Q1);
                expected[largeId] = LargeSize;
            }
        }

        await using MqttTestClient onNode2 = await MqttTestClient.ConnectPersistentAsync(Cluster[2], clientId);
        Assert.True(onNode2.ConnectResult.IsSessionPresent, "the session was not present on node 2");
        await onNode2.Messages.TryWaitUntilAsync(list => list.Count(m => !m.IsControl) >= expected.Count, TimeSpan.FromSeconds(60));
        await Fence.PassAsync(publisher, $"{root}/fence", onNode2);

        var received = onNode2.ApplicationMessages.Select(m => (Id: IdOf(m.PayloadBytes), m.PayloadBytes.Length)).ToList();
        var lost = expected.Keys.Except(received.Select(r => r.Id)).ToList();
        var duplicated = received.GroupBy(r => r.Id).Where(g => g.Count() > 1).Select(g => g.Key).ToList();
        output.WriteLine($"received {received.Count} of {expected.Count}; lost {lost.Count}; duplicated {duplicated.Count}");
        Assert.True(lost.Count == 0, $"{lost.Count} of {expected.Count} messages lost, e.g. {string.Join(", ", lost.Take(20))}");
        Assert.True(duplicated.Count == 0, $"{duplicated.Count} duplicated, e.g. {string.Join(", ", duplicated.Take(20))}");
        Assert.All(received, r => Assert.Equal(expected[r.Id], r.Length));
    });

    /// <summary>"id|" followed by filler up to <paramref name="size"/> bytes.</summary>
    private static byte[] Payload(string id, int size)
    {
        byte[] payload = new byte[size];
        Array.Fill(payload, (byte)'.');
        Encoding.ASCII.GetBytes(id + "|").CopyTo(payload, 0);
        return payload;
    }

    private static string IdOf(byte[] payload) => Encoding.ASCII.GetString(payload, 0, Array.IndexOf(payload, (byte)'|'));
}
