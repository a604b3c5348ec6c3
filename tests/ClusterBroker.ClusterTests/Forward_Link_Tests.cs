using System.Buffers.Binary;
using System.Net.Sockets;
using System.Text;

namespace ClusterBroker.ClusterTests;

/// <summary>
/// The forward links: each node opens one TCP connection to every other node's forward port and sends what it forwards
/// there over it (not Akka remoting); a connection that is not a link from a member of this cluster, meant for this
/// node, is refused with a reason; a broken link is opened again and forwarding goes on.
/// </summary>
[Collection(SharedClusterCollection.Name)]
public sealed class Forward_Link_Tests(SharedClusterFixture fixture, ITestOutputHelper output)
{
    private TestCluster Cluster => fixture.Cluster;

    [Fact]
    public Task Every_node_keeps_one_forward_link_open_to_each_other_node() => Cluster.VerifyAsync(async () =>
    {
        for (int number = 1; number <= 3; number++)
        {
            await using SysCounterReader reader = await SysCounterReader.ConnectAsync(Cluster[number]);
            await reader.WaitForValueAsync(SysTopics.ForwardLinksOpen, v => v == 2, "2 open links");
        }
    });

    [Fact]
    public Task A_connection_that_is_not_a_link_from_a_member_meant_for_this_node_is_refused_with_the_reason_and_forwarding_goes_on() => Cluster.VerifyAsync(async () =>
    {
        int port = Cluster.ForwardPortOf(2);
        await using SysCounterReader node2 = await SysCounterReader.ConnectAsync(Cluster[2]);
        long refusedBefore = await node2.ReadSettledAsync(SysTopics.ForwardLinksRefused);

        string notALink = await RefusalAsync(port, Encoding.ASCII.GetBytes("GET / HTTP/1.1\r\nHost: x\r\n\r\n"));
        string otherCluster = await RefusalAsync(port, Hello("another-cluster", "akka.tcp://another-cluster@127.0.0.1:1", 7, 7));
        string otherIncarnation = await RefusalAsync(port, Hello("cluster-broker", "akka.tcp://cluster-broker@127.0.0.1:1", 7, 7));
        output.WriteLine($"refusals: '{notALink}' / '{otherCluster}' / '{otherIncarnation}'");
        Assert.Contains("not a forward link", notALink, StringComparison.Ordinal);
        Assert.Contains("another-cluster", otherCluster, StringComparison.Ordinal);
        Assert.Contains("incarnation 7", otherIncarnation, StringComparison.Ordinal);
        await node2.WaitForValueAsync(SysTopics.ForwardLinksRefused, v => v >= refusedBefore + 3, $"at least {refusedBefore + 3} refused");

        await AssertForwardedAsync(from: 1, to: 2, count: 10);
    });

    [SocketKillFact]
    public Task A_broken_forward_link_is_opened_again_and_what_is_published_afterwards_arrives() => Cluster.VerifyAsync(async () =>
    {
        await using SysCounterReader node1 = await SysCounterReader.ConnectAsync(Cluster[1]);
        long failuresBefore = await node1.ReadSettledAsync(SysTopics.ForwardLinkFailures);

        // Destroys the connecting ends of the links to node 2 (from nodes 1 and 3), as a reset on the network would.
        await SocketKill.ToPortAsync(Cluster.ForwardPortOf(2));

        long failures = await node1.WaitForValueAsync(SysTopics.ForwardLinkFailures, v => v > failuresBefore, "a link failure counted");
        await node1.WaitForValueAsync(SysTopics.ForwardLinksOpen, v => v == 2, "both links open again");
        output.WriteLine($"node1 forward-links/failures {failuresBefore} -> {failures}");
        string broken = "Forward links: the link to akka.tcp://cluster-broker@127.0.0.1:" + Cluster.ClusterPortOf(2) + " broke";
        await Cluster[1].WaitForLogAsync(line => line.Contains(broken, StringComparison.Ordinal), "node1's log line about the broken link");

        await AssertForwardedAsync(from: 1, to: 2, count: 20);
    });

    /// <summary>A subscriber on node <paramref name="to"/> gets every one of <paramref name="count"/> QoS 1 messages published on node <paramref name="from"/>, over the link.</summary>
    private async Task AssertForwardedAsync(int from, int to, int count)
    {
        string topic = Unique.Topic("link");
        await using MqttTestClient subscriber = await MqttTestClient.ConnectAsync(Cluster[to]);
        await subscriber.SubscribeAsync(topic, Q.Q1);
        await using MqttTestClient publisher = await MqttTestClient.ConnectAsync(Cluster[from]);
        await RoutePropagation.AwaitAsync(publisher, topic, subscriber);
        await using SysCounterReader receiver = await SysCounterReader.ConnectAsync(Cluster[to]);
        long overLinksBefore = await receiver.ReadSettledAsync(SysTopics.ForwardsReceivedOverLinks);
        int before = subscriber.ApplicationMessages.Count;
        for (int i = 1; i <= count; i++)
        {
            await publisher.PublishAsync(topic, $"m{i}", Q.Q1);
        }

        await subscriber.Messages.WaitUntilAsync(list => list.Count(m => !m.IsControl) >= before + count, $"{count} messages at {subscriber}");
        long overLinks = await receiver.ReadSettledAsync(SysTopics.ForwardsReceivedOverLinks);
        Assert.True(overLinks - overLinksBefore >= count, $"{overLinks - overLinksBefore} forwards over links, {count} expected");
    }

    /// <summary>Connects to a forward port, sends <paramref name="hello"/> and returns the reason of the refusal it must get.</summary>
    private static async Task<string> RefusalAsync(int port, byte[] hello)
    {
        using var client = new TcpClient();
        using var timeout = new CancellationTokenSource(Timeouts.Mqtt);
        await client.ConnectAsync("127.0.0.1", port, timeout.Token);
        NetworkStream stream = client.GetStream();
        await stream.WriteAsync(hello, timeout.Token);
        using var answer = new MemoryStream();
        await stream.CopyToAsync(answer, timeout.Token); // the listener answers and closes
        byte[] bytes = answer.ToArray();
        Assert.True(bytes.Length > 1 && bytes[0] == 0, $"expected a refusal, got {bytes.Length} byte(s): {Convert.ToHexString(bytes)}");
        using var reader = new BinaryReader(new MemoryStream(bytes, 1, bytes.Length - 1), Encoding.UTF8);
        return reader.ReadString();
    }

    /// <summary>A well-formed hello (ForwardLinkProtocol), written here independently of the broker's code.</summary>
    private static byte[] Hello(string clusterName, string senderAddress, long senderUid, long destinationUid)
    {
        using var body = new MemoryStream();
        using (var w = new BinaryWriter(body, Encoding.UTF8, leaveOpen: true))
        {
            w.Write("CBFL"u8);
            w.Write((byte)1);
            w.Write(clusterName);
            w.Write(senderAddress);
            w.Write(senderUid);
            w.Write(destinationUid);
        }

        byte[] frame = new byte[4 + body.Length];
        BinaryPrimitives.WriteInt32BigEndian(frame, (int)body.Length);
        body.ToArray().CopyTo(frame, 4);
        return frame;
    }
}

/// <summary>
/// A node started with --forward-port -1 has no forward link listener: the others forward to it through Akka remoting,
/// while it still uses the links the others offer. Both ways deliver everything, in order.
/// </summary>
public sealed class Forward_Link_Fallback_Tests(ITestOutputHelper output)
{
    private const int Messages = 30;

    [Fact]
    public async Task A_node_without_a_forward_link_listener_is_reached_through_Akka_remoting_and_reaches_the_others_over_their_links()
    {
        await using TestCluster cluster = TestCluster.Plan(2);
        cluster.AddArguments(2, "--forward-port", "-1");
        await cluster.VerifyAsync(async () =>
        {
            await cluster.StartNodesAsync(1, 2);
            await cluster.WaitForMembersUpAsync(2);
            await using SysCounterReader node1 = await SysCounterReader.ConnectAsync(cluster[1]);
            await using SysCounterReader node2 = await SysCounterReader.ConnectAsync(cluster[2]);
            await node2.WaitForValueAsync(SysTopics.ForwardLinksOpen, v => v == 1, "node2's link to node1 open");
            Assert.Equal(0, await node1.ReadSettledAsync(SysTopics.ForwardLinksOpen)); // node2 offers none

            (long Received, long OverLinks) before1 = (await node1.ReadSettledAsync(SysTopics.ForwardsReceived), await node1.ReadSettledAsync(SysTopics.ForwardsReceivedOverLinks));
            (long Received, long OverLinks) before2 = (await node2.ReadSettledAsync(SysTopics.ForwardsReceived), await node2.ReadSettledAsync(SysTopics.ForwardsReceivedOverLinks));
            await SendInOrderAsync(cluster[1], cluster[2]);
            await SendInOrderAsync(cluster[2], cluster[1]);
            (long Received, long OverLinks) after1 = (await node1.ReadSettledAsync(SysTopics.ForwardsReceived), await node1.ReadSettledAsync(SysTopics.ForwardsReceivedOverLinks));
            (long Received, long OverLinks) after2 = (await node2.ReadSettledAsync(SysTopics.ForwardsReceived), await node2.ReadSettledAsync(SysTopics.ForwardsReceivedOverLinks));
            output.WriteLine($"node1 received {before1} -> {after1}, node2 received {before2} -> {after2} (total, over links)");

            // node1 received node2's forwards over its link; node2 received node1's through Akka remoting (probes included).
            Assert.True(after1.Received - before1.Received >= Messages);
            Assert.Equal(after1.Received - before1.Received, after1.OverLinks - before1.OverLinks);
            Assert.True(after2.Received - before2.Received >= Messages);
            Assert.Equal(0, after2.OverLinks - before2.OverLinks);
        });
    }

    private static async Task SendInOrderAsync(ClusterNode from, ClusterNode to)
    {
        string topic = Unique.Topic("fallback");
        await using MqttTestClient subscriber = await MqttTestClient.ConnectAsync(to);
        await subscriber.SubscribeAsync(topic, Q.Q1);
        await using MqttTestClient publisher = await MqttTestClient.ConnectAsync(from);
        await RoutePropagation.AwaitAsync(publisher, topic, subscriber);
        int before = subscriber.ApplicationMessages.Count;
        for (int i = 1; i <= Messages; i++)
        {
            await publisher.PublishAsync(topic, $"m{i}", Q.Q1);
        }

        await subscriber.Messages.WaitUntilAsync(list => list.Count(m => !m.IsControl) >= before + Messages, $"{Messages} messages at {subscriber}");
        string[] received = [.. subscriber.ApplicationMessages.Skip(before).Select(m => m.Payload)];
        Assert.Equal(Enumerable.Range(1, Messages).Select(i => $"m{i}"), received);
    }
}
