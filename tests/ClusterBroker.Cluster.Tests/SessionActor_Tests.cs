using Akka.Actor;
using Akka.TestKit;
using ClusterBroker.Cluster.Messages;
using ClusterBroker.Cluster.Serialization;
using ClusterBroker.Core.Messages;
using ClusterBroker.Protocol;

namespace ClusterBroker.Cluster.Tests;

/// <summary>The sharded session entity on a one-node cluster; probes play the broker nodes holding connections.</summary>
public class SessionActor_Tests : IClassFixture<SessionClusterFixture>
{
    private readonly SessionClusterFixture _fixture;
    private readonly IActorRef _region;
    private readonly TestProbe _node;
    private readonly TestProbe _otherNode;
    private readonly string _prefix = Guid.NewGuid().ToString("N")[..8] + "-";

    public SessionActor_Tests(SessionClusterFixture fixture)
    {
        _fixture = fixture;
        _region = fixture.Region;
        _node = fixture.Kit.CreateTestProbe();
        _otherNode = fixture.Kit.CreateTestProbe();
    }

    private string Id(string name) => name.StartsWith(_prefix, StringComparison.Ordinal) ? name : _prefix + name;

    private static QueuedMessage Message(string payload) =>
        new(new BrokerMessage { Topic = "t", Payload = System.Text.Encoding.UTF8.GetBytes(payload), QoS = QualityOfService.AtLeastOnce }, QualityOfService.AtLeastOnce, false, null);

    private SessionAttached Attach(string clientId, long connection, bool clean = false, uint expiry = 60, TestProbe? node = null)
    {
        node ??= _node;
        _region.Tell(new AttachSession(Id(clientId), clean, connection, node.Ref, expiry));
        return node.FishForMessage<SessionAttached>(m => m.ConnectionId == connection, TimeSpan.FromSeconds(10));
    }

    private DetachSession Detach(string clientId, long connection, uint expiry, SessionSnapshot snapshot, PendingWill? will = null, TestProbe? node = null) =>
        new(Id(clientId), connection, (node ?? _node).Ref, expiry, snapshot, will);

    [Fact]
    public void A_new_session_is_not_present_and_a_continued_one_is()
    {
        Assert.False(Attach("a", 1).SessionPresent);
        _region.Tell(Detach("a", 1, 60, SessionSnapshot.Empty with { Subscriptions = [new Subscription("t", QualityOfService.AtLeastOnce)] }));
        SessionAttached again = Attach("a", 2);
        Assert.True(again.SessionPresent);
        Assert.Equal("t", Assert.Single(again.Snapshot.Subscriptions).Filter);
    }

    [Fact]
    public void Takeover_closes_the_first_connection_with_0x8E_and_waits_for_its_state()
    {
        Attach("b", 1);
        _region.Tell(new AttachSession(Id("b"), false, 2, _otherNode.Ref, 60));
        DisconnectConnection disconnect = _node.ExpectMsg<DisconnectConnection>(TimeSpan.FromSeconds(10));
        Assert.Equal((1L, ReasonCode.SessionTakenOver), (disconnect.ConnectionId, disconnect.ReasonCode));
        _otherNode.ExpectNoMsg(TimeSpan.FromMilliseconds(200));

        var inflight = new InflightMessage(7, Message("unacked"), false);
        _region.Tell(Detach("b", 1, 60, SessionSnapshot.Empty with { Inflight = [inflight] }));
        SessionAttached attached = _otherNode.ExpectMsg<SessionAttached>(TimeSpan.FromSeconds(10));
        Assert.True(attached.SessionPresent);
        Assert.Equal((ushort)7, Assert.Single(attached.Snapshot.Inflight).PacketId);
    }

    [Fact]
    public void Connection_number_alone_does_not_name_a_connection_across_nodes()
    {
        Attach("cn", 1);
        // Connection 1 of another node is another connection: a takeover, not the same owner.
        _region.Tell(new AttachSession(Id("cn"), false, 1, _otherNode.Ref, 60));
        Assert.Equal(1L, _node.ExpectMsg<DisconnectConnection>(TimeSpan.FromSeconds(10)).ConnectionId);
        // A detach of "connection 1" from the other node does not end the first node's connection.
        _region.Tell(Detach("cn", 1, 60, SessionSnapshot.Empty, node: _otherNode));
        _otherNode.ExpectNoMsg(TimeSpan.FromMilliseconds(300));
    }

    [Fact]
    public void Takeover_proceeds_after_the_timeout_when_the_old_connection_never_answers()
    {
        Attach("c", 1);
        _region.Tell(new AttachSession(Id("c"), false, 2, _node.Ref, 60));
        _node.ExpectMsg<DisconnectConnection>(TimeSpan.FromSeconds(10));
        _node.ExpectMsg<SessionAttached>(TimeSpan.FromSeconds(10));
    }

    [Fact]
    public void A_closed_connection_without_a_hand_back_only_delays_the_takeover_briefly()
    {
        Attach("cc", 1);
        _region.Tell(new AttachSession(Id("cc"), false, 2, _otherNode.Ref, 60));
        _node.ExpectMsg<DisconnectConnection>(TimeSpan.FromSeconds(10));
        var started = DateTime.UtcNow;
        _node.Reply(new ConnectionClosed(Id("cc"), 1));
        _otherNode.ExpectMsg<SessionAttached>(TimeSpan.FromSeconds(10));
        Assert.True(DateTime.UtcNow - started < TimeSpan.FromSeconds(2) + SessionActor_Grace, "the takeover waited for the whole takeover timeout");
    }

    private static readonly TimeSpan SessionActor_Grace = TimeSpan.FromSeconds(1.5);

    [Fact]
    public void Messages_are_queued_in_order_while_the_client_is_away_and_handed_over_on_return()
    {
        Attach("d", 1);
        _region.Tell(Detach("d", 1, 60, SessionSnapshot.Empty));
        _region.Tell(new EnqueueMessage(Id("d"), Message("1")));
        _region.Tell(new EnqueueMessage(Id("d"), Message("2")));
        SessionAttached attached = Attach("d", 2);
        Assert.Equal(new[] { "1", "2" }, attached.Snapshot.Queued.Select(q => System.Text.Encoding.UTF8.GetString(q.Message.Payload.Span)));
    }

    [Fact]
    public void Resuming_on_another_node_tells_the_node_it_left_to_forget_the_session()
    {
        Attach("m", 1);
        _region.Tell(Detach("m", 1, 60, SessionSnapshot.Empty with { Subscriptions = [new Subscription("t", QualityOfService.AtLeastOnce)] }));
        Attach("m", 9, node: _otherNode);
        // The old node keeps routing the session's messages here until the new node's routes are everywhere.
        _node.ExpectNoMsg(TimeSpan.FromMilliseconds(300));
        _region.Tell(new SessionRoutesReady(Id("m"), 9));
        Assert.Equal(Id("m"), _node.ExpectMsg<ForgetSession>(TimeSpan.FromSeconds(10)).ClientId);
    }

    [Fact]
    public void A_retried_attach_gets_the_same_answer_until_the_node_confirms_it()
    {
        Attach("ra", 1);
        _region.Tell(Detach("ra", 1, 60, SessionSnapshot.Empty with { Queued = [Message("q")] }));
        SessionAttached first = Attach("ra", 2);
        SessionAttached again = Attach("ra", 2); // the first answer was "lost": the retry must not get an emptied session
        Assert.True(again.SessionPresent);
        Assert.Single(again.Snapshot.Queued);
        Assert.Equal(first.Snapshot.Queued.Count, again.Snapshot.Queued.Count);
    }

    [Fact]
    public void A_message_bounced_by_an_older_connection_goes_to_the_newer_one()
    {
        Attach("bo", 1);
        _region.Tell(Detach("bo", 1, 60, SessionSnapshot.Empty));
        Attach("bo", 2, node: _otherNode);
        // Forwarded to connection 1 while it was closing, it comes back after connection 2 took the session.
        _region.Tell(new EnqueueMessage(Id("bo"), Message("late"), _node.Ref, 1));
        DeliverToConnection deliver = _otherNode.FishForMessage<DeliverToConnection>(_ => true, TimeSpan.FromSeconds(10));
        Assert.Equal(2, deliver.ConnectionId);
    }

    [Fact]
    public void A_message_bounced_by_the_attached_connection_waits_for_its_hand_back()
    {
        Attach("bs", 1);
        _region.Tell(new EnqueueMessage(Id("bs"), Message("kept"), _node.Ref, 1));
        _region.Tell(Detach("bs", 1, 60, SessionSnapshot.Empty));
        SessionAttached back = Attach("bs", 2);
        Assert.Equal("kept", System.Text.Encoding.UTF8.GetString(Assert.Single(back.Snapshot.Queued).Message.Payload.Span));
    }

    [Fact]
    public void A_large_state_handed_back_in_parts_is_reassembled()
    {
        Attach("p", 1);
        var queued = Enumerable.Range(0, 200).Select(i => new QueuedMessage(
            new BrokerMessage { Topic = "t", Payload = new byte[1024], QoS = QualityOfService.AtLeastOnce }, QualityOfService.AtLeastOnce, false, null)).ToArray();
        DetachSession detach = Detach("p", 1, 60, SessionSnapshot.Empty with { Queued = queued });
        MessageParts.Send(_fixture.Kit.Sys, _region, Id("p"), detach, MessageParts.EstimateSize(detach.Snapshot));
        Assert.Equal(200, Attach("p", 2).Snapshot.Queued.Count);
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
        _region.Tell(Detach("f", 1, 1, SessionSnapshot.Empty with { Subscriptions = [new Subscription("t", QualityOfService.AtMostOnce)] }));
        _region.Tell(new EnqueueMessage(Id("f"), Message("lost")));
        Assert.Equal(Id("f"), _node.ExpectMsg<ForgetSession>(TimeSpan.FromSeconds(10)).ClientId);
        SessionAttached attached = Attach("f", 2);
        Assert.False(attached.SessionPresent);
        Assert.True(attached.Snapshot.IsEmpty);
    }

    [Fact]
    public void A_delayed_will_is_published_through_the_local_node_when_its_delay_elapses()
    {
        Attach("g", 1);
        var will = new PendingWill(new BrokerMessage { Topic = "will/" + Id("g") }, 1);
        _region.Tell(Detach("g", 1, 60, SessionSnapshot.Empty, will));
        _fixture.LocalNode.FishForMessage<PublishWill>(m => m.Message.Topic == will.Message.Topic, TimeSpan.FromSeconds(10));
    }

    [Fact]
    public void Reconnecting_before_the_will_delay_cancels_the_will()
    {
        Attach("h", 1);
        string topic = "will/" + Id("h");
        _region.Tell(Detach("h", 1, 60, SessionSnapshot.Empty, new PendingWill(new BrokerMessage { Topic = topic }, 1)));
        Attach("h", 2);
        Assert.Throws<Xunit.Sdk.TrueException>(() =>
            _fixture.LocalNode.FishForMessage<PublishWill>(m => m.Message.Topic == topic, TimeSpan.FromSeconds(1.5)));
    }

    [Fact]
    public void A_clean_start_publishes_a_pending_will_of_the_old_session_at_once()
    {
        Attach("i", 1);
        string topic = "will/" + Id("i");
        _region.Tell(Detach("i", 1, 60, SessionSnapshot.Empty, new PendingWill(new BrokerMessage { Topic = topic }, 30)));
        Assert.False(Attach("i", 2, clean: true).SessionPresent);
        _fixture.LocalNode.FishForMessage<PublishWill>(m => m.Message.Topic == topic, TimeSpan.FromSeconds(10));
    }

    [Fact]
    public void A_stale_detach_from_a_taken_over_connection_changes_nothing()
    {
        Attach("j", 1);
        _region.Tell(new AttachSession(Id("j"), false, 2, _node.Ref, 60));
        _node.ExpectMsg<DisconnectConnection>(TimeSpan.FromSeconds(10));
        _node.ExpectMsg<SessionAttached>(TimeSpan.FromSeconds(10)); // after the takeover timeout
        _region.Tell(Detach("j", 1, 0, SessionSnapshot.Empty));
        _region.Tell(new EnqueueMessage(Id("j"), Message("y")));
        Assert.Equal(2, _node.ExpectMsg<DeliverToConnection>(TimeSpan.FromSeconds(10)).ConnectionId);
    }

    [Fact]
    public void A_session_whose_connection_node_died_is_lost_and_says_so()
    {
        TestProbe doomed = _fixture.Kit.CreateTestProbe();
        Attach("n", 1, node: doomed);
        doomed.Ref.Tell(PoisonPill.Instance);
        // The entity watched the node; the next attach finds no session to resume and waits for no takeover.
        _fixture.Kit.AwaitAssert(() => Assert.False(Attach("n", 2).SessionPresent), TimeSpan.FromSeconds(10), TimeSpan.FromMilliseconds(200));
    }

    [Fact]
    public void A_restored_record_continues_the_session()
    {
        var record = new SessionRecord(true, null, DateTimeOffset.UtcNow.AddMinutes(5).ToUnixTimeMilliseconds(), null, 0,
            SessionSnapshot.Empty with { Subscriptions = [new Subscription("r", QualityOfService.AtLeastOnce)], Queued = [Message("kept")] });
        _region.Tell(new RestoreSession(Id("r"), _node.Ref, record));
        SessionAttached attached = Attach("r", 3, node: _otherNode);
        Assert.True(attached.SessionPresent);
        Assert.Equal("kept", System.Text.Encoding.UTF8.GetString(Assert.Single(attached.Snapshot.Queued).Message.Payload.Span));
        _region.Tell(new SessionRoutesReady(Id("r"), 3));
        Assert.Equal(Id("r"), _node.ExpectMsg<ForgetSession>(TimeSpan.FromSeconds(10)).ClientId);
    }

    [Fact]
    public void The_registry_learns_when_a_persistent_session_starts_and_ends()
    {
        Attach("s", 1, expiry: 60);
        _fixture.ClientIds.FishForMessage<PersistentSessionExists>(m => m.ClientId == Id("s"), TimeSpan.FromSeconds(10));
        Attach("s", 2, clean: true, expiry: 0); // a clean start ends it
        _fixture.ClientIds.FishForMessage<PersistentSessionEnded>(m => m.ClientId == Id("s"), TimeSpan.FromSeconds(10));
    }

    [Fact]
    public void An_ephemeral_session_keeps_no_entity_while_online()
    {
        Assert.False(Attach("k", 1, clean: true, expiry: 0).SessionPresent);
        Assert.False(Attach("k", 2, clean: false, expiry: 0).SessionPresent);
        _node.ExpectNoMsg(TimeSpan.FromMilliseconds(300)); // no owner was remembered, so nothing to close
    }
}
