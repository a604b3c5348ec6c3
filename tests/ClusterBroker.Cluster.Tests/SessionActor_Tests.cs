using Akka.Actor;
using Akka.TestKit;
using ClusterBroker.Cluster.Messages;
using ClusterBroker.Core.Messages;
using ClusterBroker.Protocol;

namespace ClusterBroker.Cluster.Tests;

/// <summary>The sharded session entity on a one-node cluster; a probe plays the broker node.</summary>
public class SessionActor_Tests : IClassFixture<SessionClusterFixture>
{
    private readonly IActorRef _region;
    private readonly TestProbe _node;
    private readonly TestProbe _reply;

    public SessionActor_Tests(SessionClusterFixture fixture)
    {
        _region = fixture.Region;
        _node = fixture.Kit.CreateTestProbe();
        _reply = fixture.Kit.CreateTestProbe();
    }

    private string Id(string name) => name.StartsWith(_prefix, StringComparison.Ordinal) ? name : _prefix + name;

    private static QueuedMessage Message(string payload) =>
        new(new BrokerMessage { Topic = "t", Payload = System.Text.Encoding.UTF8.GetBytes(payload), QoS = QualityOfService.AtLeastOnce }, QualityOfService.AtLeastOnce, false, null);

    private readonly string _prefix = Guid.NewGuid().ToString("N")[..8] + "-";

    private SessionAttached Attach(string clientId, long connection, bool clean = false, uint expiry = 60)
    {
        clientId = Id(clientId);
        _region.Tell(new AttachSession(clientId, clean, connection, _node.Ref, expiry), _reply.Ref);
        return _reply.ExpectMsg<SessionAttached>(TimeSpan.FromSeconds(10));
    }

    [Fact]
    public void A_new_session_is_not_present_and_a_continued_one_is()
    {
        Assert.False(Attach("a", 1).SessionPresent);
        _region.Tell(new DetachSession(Id("a"), 1, 60, SessionSnapshot.Empty with { Subscriptions = [new Subscription("t", QualityOfService.AtLeastOnce)] }, null));
        SessionAttached again = Attach("a", 2);
        Assert.True(again.SessionPresent);
        Assert.Equal("t", Assert.Single(again.Snapshot.Subscriptions).Filter);
    }

    [Fact]
    public void Takeover_closes_the_first_connection_with_0x8E_and_waits_for_its_state()
    {
        Attach("b", 1);
        _region.Tell(new AttachSession(Id("b"), false, 2, _node.Ref, 60), _reply.Ref);
        DisconnectConnection disconnect = _node.ExpectMsg<DisconnectConnection>(TimeSpan.FromSeconds(10));
        Assert.Equal((1L, ReasonCode.SessionTakenOver), (disconnect.ConnectionId, disconnect.ReasonCode));
        _reply.ExpectNoMsg(TimeSpan.FromMilliseconds(200));

        var inflight = new InflightMessage(7, Message("unacked"), false);
        _region.Tell(new DetachSession(Id("b"), 1, 60, SessionSnapshot.Empty with { Inflight = [inflight] }, null));
        SessionAttached attached = _reply.ExpectMsg<SessionAttached>(TimeSpan.FromSeconds(10));
        Assert.True(attached.SessionPresent);
        Assert.Equal((ushort)7, Assert.Single(attached.Snapshot.Inflight).PacketId);
    }

    [Fact]
    public void Takeover_proceeds_after_the_timeout_when_the_old_connection_never_answers()
    {
        Attach("c", 1);
        _region.Tell(new AttachSession(Id("c"), false, 2, _node.Ref, 60), _reply.Ref);
        _node.ExpectMsg<DisconnectConnection>(TimeSpan.FromSeconds(10));
        _reply.ExpectMsg<SessionAttached>(TimeSpan.FromSeconds(10));
    }

    [Fact]
    public void Messages_are_queued_in_order_while_the_client_is_away_and_handed_over_on_return()
    {
        Attach("d", 1);
        _region.Tell(new DetachSession(Id("d"), 1, 60, SessionSnapshot.Empty, null));
        _region.Tell(new EnqueueMessage(Id("d"), Message("1")));
        _region.Tell(new EnqueueMessage(Id("d"), Message("2")));
        SessionAttached attached = Attach("d", 2);
        Assert.Equal(new[] { "1", "2" }, attached.Snapshot.Queued.Select(q => System.Text.Encoding.UTF8.GetString(q.Message.Payload.Span)));
    }

    [Fact]
    public void A_message_that_reaches_the_session_while_online_is_forwarded_to_the_connection()
    {
        Attach("e", 5);
        _region.Tell(new EnqueueMessage(Id("e"), Message("x")));
        DeliverToConnection deliver = _node.ExpectMsg<DeliverToConnection>(TimeSpan.FromSeconds(10));
        Assert.Equal(5, deliver.ConnectionId);
    }

    [Fact]
    public void An_expired_session_tells_the_node_and_starts_over_empty()
    {
        Attach("f", 1);
        _region.Tell(new DetachSession(Id("f"), 1, 1, SessionSnapshot.Empty with { Subscriptions = [new Subscription("t", QualityOfService.AtMostOnce)] }, null));
        _region.Tell(new EnqueueMessage(Id("f"), Message("lost")));
        Assert.Equal(Id("f"), _node.ExpectMsg<SessionExpired>(TimeSpan.FromSeconds(10)).ClientId);
        SessionAttached attached = Attach("f", 2);
        Assert.False(attached.SessionPresent);
        Assert.True(attached.Snapshot.IsEmpty);
    }

    [Fact]
    public void A_delayed_will_is_published_when_its_delay_elapses()
    {
        Attach("g", 1);
        var will = new PendingWill(new BrokerMessage { Topic = "will/g" }, 1);
        _region.Tell(new DetachSession(Id("g"), 1, 60, SessionSnapshot.Empty, will));
        _node.ExpectNoMsg(TimeSpan.FromMilliseconds(500));
        Assert.Equal("will/g", _node.ExpectMsg<PublishWill>(TimeSpan.FromSeconds(10)).Message.Topic);
    }

    [Fact]
    public void Reconnecting_before_the_will_delay_cancels_the_will()
    {
        Attach("h", 1);
        _region.Tell(new DetachSession(Id("h"), 1, 60, SessionSnapshot.Empty, new PendingWill(new BrokerMessage { Topic = "will/h" }, 1)));
        Attach("h", 2);
        _node.ExpectNoMsg(TimeSpan.FromSeconds(1.5));
    }

    [Fact]
    public void A_clean_start_publishes_a_pending_will_of_the_old_session_at_once()
    {
        Attach("i", 1);
        _region.Tell(new DetachSession(Id("i"), 1, 60, SessionSnapshot.Empty, new PendingWill(new BrokerMessage { Topic = "will/i" }, 30)));
        Assert.False(Attach("i", 2, clean: true).SessionPresent);
        _node.ExpectMsg<PublishWill>(TimeSpan.FromSeconds(10));
    }

    [Fact]
    public void A_stale_detach_from_a_taken_over_connection_changes_nothing()
    {
        Attach("j", 1);
        _region.Tell(new AttachSession(Id("j"), false, 2, _node.Ref, 60), _reply.Ref);
        _node.ExpectMsg<DisconnectConnection>(TimeSpan.FromSeconds(10));
        _reply.ExpectMsg<SessionAttached>(TimeSpan.FromSeconds(10)); // after the takeover timeout
        _region.Tell(new DetachSession(Id("j"), 1, 0, SessionSnapshot.Empty, null));
        _region.Tell(new EnqueueMessage(Id("j"), Message("y")));
        Assert.Equal(2, _node.ExpectMsg<DeliverToConnection>(TimeSpan.FromSeconds(10)).ConnectionId);
    }

    [Fact]
    public void An_ephemeral_session_keeps_no_entity_while_online()
    {
        Assert.False(Attach("k", 1, clean: true, expiry: 0).SessionPresent);
        Assert.False(Attach("k", 2, clean: false, expiry: 0).SessionPresent);
        _node.ExpectNoMsg(TimeSpan.FromMilliseconds(300)); // no owner was remembered, so nothing to close
    }
}
