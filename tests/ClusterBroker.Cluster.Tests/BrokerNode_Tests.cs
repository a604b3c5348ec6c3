using ClusterBroker.Core;
using ClusterBroker.Protocol;
using ClusterBroker.Protocol.Packets;
using Microsoft.Extensions.Logging.Abstractions;

namespace ClusterBroker.Cluster.Tests;

/// <summary>The whole node (actor system, sharded sessions, router) driven through its connection handler factory.</summary>
public class BrokerNode_Tests : IAsyncLifetime
{
    private BrokerNode _node = null!;

    public async Task InitializeAsync() =>
        _node = await BrokerNode.StartAsync(new BrokerOptions { SysInterval = TimeSpan.Zero, TakeoverTimeout = TimeSpan.FromSeconds(3) }, NullLoggerFactory.Instance);

    public async Task DisposeAsync() => await _node.StopAsync();

    private TestConnection Open()
    {
        var connection = new TestConnection();
        connection.Handler = _node.ConnectionHandlers.Create(connection)!;
        return connection;
    }

    private async Task<TestConnection> Connect(string clientId, bool clean = true, uint expiry = 0, WillMessage? will = null)
    {
        TestConnection connection = Open();
        connection.Receive(new ConnectPacket { ProtocolVersion = ProtocolVersion.V500, ClientId = clientId, CleanSession = clean, SessionExpiryInterval = expiry, Will = will });
        ConnAckPacket ack = await connection.WaitFor<ConnAckPacket>(seconds: 30);
        Assert.Equal(ReasonCode.Success, ack.ReasonCode);
        return connection;
    }

    private static async Task Subscribe(TestConnection connection, string filter, QualityOfService qos = QualityOfService.AtLeastOnce)
    {
        connection.Receive(new SubscribePacket { PacketId = 1, Subscriptions = [new TopicSubscription { Filter = filter, MaximumQoS = qos }] });
        await connection.WaitFor<SubAckPacket>();
    }

    [Fact]
    public async Task Takeover_closes_the_first_connection_with_0x8E_and_the_second_inherits_the_session()
    {
        TestConnection first = await Connect("dup", clean: false, expiry: 60);
        await Subscribe(first, "t");
        TestConnection second = await Connect("dup", clean: false, expiry: 60);

        Assert.Equal(ReasonCode.SessionTakenOver, (await first.WaitFor<DisconnectPacket>()).ReasonCode);
        Assert.True(first.Closed);
        Assert.True(second.Find<ConnAckPacket>()!.SessionPresent);

        TestConnection pub = await Connect("pub");
        pub.Receive(new PublishPacket { Topic = "t", Payload = "x"u8.ToArray(), QoS = QualityOfService.AtLeastOnce, PacketId = 1 });
        await second.WaitFor<PublishPacket>();
        Assert.Null(first.Find<PublishPacket>());
    }

    [Fact]
    public async Task Takeover_of_a_clean_session_closes_the_first_connection_with_0x8E()
    {
        TestConnection first = await Connect("clean-dup");
        TestConnection second = await Connect("clean-dup");
        Assert.Equal(ReasonCode.SessionTakenOver, (await first.WaitFor<DisconnectPacket>()).ReasonCode);
        Assert.False(second.Find<ConnAckPacket>()!.SessionPresent);
        Assert.False(second.Closed);
    }

    [Fact]
    public async Task A_persistent_session_queues_while_offline_and_delivers_on_return()
    {
        TestConnection sub = await Connect("persist", clean: false, expiry: 60);
        await Subscribe(sub, "q/#");
        sub.Receive(DisconnectPacket.Normal);

        TestConnection pub = await Connect("pub2");
        for (ushort i = 1; i <= 3; i++)
        {
            pub.Receive(new PublishPacket { Topic = "q/" + i, Payload = new[] { (byte)i }, QoS = QualityOfService.AtLeastOnce, PacketId = i });
        }

        await pub.WaitFor<PubAckPacket>(p => p.PacketId == 3);
        TestConnection back = await Connect("persist", clean: false, expiry: 60);
        Assert.True(back.Find<ConnAckPacket>()!.SessionPresent);
        await back.WaitFor<PublishPacket>(p => p.Topic == "q/3");
        Assert.Equal(new[] { "q/1", "q/2", "q/3" }, back.Sent.OfType<PublishPacket>().Select(p => p.Topic));
    }

    [Fact]
    public async Task An_expired_session_releases_its_routes()
    {
        TestConnection sub = await Connect("short", clean: false, expiry: 1);
        await Subscribe(sub, "gone");
        sub.Receive(DisconnectPacket.Normal);
        DateTime deadline = DateTime.UtcNow.AddSeconds(10);
        while (_node.Context.Router.TryGetEndpoint("short", out _) && DateTime.UtcNow < deadline)
        {
            await Task.Delay(20);
        }

        Assert.False(_node.Context.Router.TryGetEndpoint("short", out _));
        Assert.Equal(0, _node.Context.Router.SubscriptionCount);
    }

    [Fact]
    public async Task A_delayed_will_is_published_by_the_session_after_its_delay()
    {
        TestConnection watcher = await Connect("watcher");
        await Subscribe(watcher, "will/#");
        var will = new WillMessage { Topic = "will/dev", Payload = "bye"u8.ToArray(), WillDelayInterval = 1 };
        TestConnection dev = await Connect("dev", clean: false, expiry: 60, will: will);
        var sinceClose = System.Diagnostics.Stopwatch.StartNew();
        dev.Close();
        Assert.Equal("will/dev", (await watcher.WaitFor<PublishPacket>()).Topic);
        // Published only once the 1 s Will Delay Interval has passed (small margin for timer granularity).
        Assert.True(sinceClose.Elapsed >= TimeSpan.FromMilliseconds(900), $"will published after {sinceClose.Elapsed}");
    }

    [Fact]
    public async Task Stopping_the_node_sends_DISCONNECT_0x8B_to_every_client()
    {
        TestConnection a = await Connect("a");
        TestConnection b = await Connect("b");
        await _node.StopAsync();
        Assert.Equal(ReasonCode.ServerShuttingDown, a.Find<DisconnectPacket>()!.ReasonCode);
        Assert.Equal(ReasonCode.ServerShuttingDown, b.Find<DisconnectPacket>()!.ReasonCode);
        Assert.True(a.Closed && b.Closed);
    }

    [Fact]
    public async Task A_session_answer_that_arrives_after_its_connection_gave_up_is_handed_back_not_lost()
    {
        TestConnection sub = await Connect("late", clean: false, expiry: 60);
        await Subscribe(sub, "late/t");
        sub.Receive(DisconnectPacket.Normal);
        await WaitUntil(() => _node.Context.Connections.Count == 0);

        TestConnection pub = await Connect("late-pub");
        pub.Receive(new PublishPacket { Topic = "late/t", Payload = "queued"u8.ToArray(), QoS = QualityOfService.AtLeastOnce, PacketId = 1 });
        await pub.WaitFor<PubAckPacket>();

        // An attach from a connection that no longer waits (as after an attach timeout): the entity hands the
        // session, with the queued message, to this node's actor, which finds nobody waiting and hands it back.
        var sessions = (Sessions.ClusterSessionRegistry)_node.Context.Sessions;
        _node.SessionRegion.Tell(new Messages.AttachSession("late", false, 999_999, sessions.Node, 60), Akka.Actor.ActorRefs.NoSender);
        TestConnection back = await Connect("late", clean: false, expiry: 60);
        Assert.True(back.Find<ConnAckPacket>()!.SessionPresent);
        PublishPacket delivered = await back.WaitFor<PublishPacket>(p => p.Topic == "late/t");
        Assert.Equal("queued", System.Text.Encoding.UTF8.GetString(delivered.Payload.Span));
    }

    private static async Task WaitUntil(Func<bool> condition)
    {
        DateTime deadline = DateTime.UtcNow.AddSeconds(20);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "condition not met within 20 s");
            await Task.Delay(20);
        }
    }
}
