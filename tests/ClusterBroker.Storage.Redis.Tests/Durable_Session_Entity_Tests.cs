using System.Text;
using Akka.Actor;
using Akka.TestKit;
using ClusterBroker.Cluster.Messages;
using ClusterBroker.Core.Messages;
using ClusterBroker.Protocol;

namespace ClusterBroker.Storage.Redis.Tests;

/// <summary>
/// The session entity over the real Redis session store when it starts while its client is connected elsewhere (its
/// shard moved or restarted, as when a node rejoins and shards rebalance): the store says the client is online on a
/// live node, the ClientId registry has closed that connection for a new one, and the new connection's attach can
/// reach the entity before the old connection's hand-back. The session must not be lost in that race.
/// </summary>
public sealed class Durable_Session_Entity_Tests(DurableSessionCluster cluster) : IClassFixture<DurableSessionCluster>
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);
    private readonly TestProbe _oldNode = cluster.Kit.CreateTestProbe();
    private readonly TestProbe _newNode = cluster.Kit.CreateTestProbe();
    private readonly string _prefix = Guid.NewGuid().ToString("N")[..8] + "-";

    private static readonly Subscription StoredSubscription = new("stored/#", QualityOfService.AtLeastOnce);

    [Fact]
    public async Task An_attach_that_overtakes_the_hand_back_of_the_stored_connection_waits_for_it_and_resumes_the_session()
    {
        string clientId = await StoredOnlineAsync("overtaken");
        cluster.Region.Tell(new AttachSession(clientId, false, 2, _newNode.Ref, 60));
        // the fresh entity read the store: the client is online on a live node; the answer waits for that hand-back
        _newNode.ExpectNoMsg(TimeSpan.FromMilliseconds(500));

        var inflight = new InflightMessage(7, Message("unacked"), false);
        SessionSnapshot live = SessionSnapshot.Empty with { Subscriptions = [new Subscription("live/#", QualityOfService.ExactlyOnce)], Inflight = [inflight], Queued = [Message("queued")] };
        cluster.Region.Tell(new DetachSession(clientId, 1, _oldNode.Ref, 60, live, null));

        SessionAttached attached = _newNode.ExpectMsg<SessionAttached>(Wait);
        Assert.True(attached.SessionPresent);
        Assert.Equal("live/#", Assert.Single(attached.Snapshot.Subscriptions).Filter);
        Assert.Equal((ushort)7, Assert.Single(attached.Snapshot.Inflight).PacketId);
        Assert.Equal("queued", Text(Assert.Single(attached.Snapshot.Queued)));
    }

    [Fact]
    public async Task A_hand_back_that_ends_the_session_lets_the_waiting_attach_start_a_new_one_at_once()
    {
        string clientId = await StoredOnlineAsync("ended");
        cluster.Region.Tell(new AttachSession(clientId, false, 2, _newNode.Ref, 60));
        _newNode.ExpectNoMsg(TimeSpan.FromMilliseconds(300));
        // 5.0 DISCONNECT with Session Expiry 0: the session ends with that connection
        cluster.Region.Tell(new DetachSession(clientId, 1, _oldNode.Ref, 0, SessionSnapshot.Empty with { Subscriptions = [StoredSubscription] }, null));

        SessionAttached attached = _newNode.ExpectMsg<SessionAttached>(TimeSpan.FromSeconds(1.5)); // before the 2 s wait ran out
        Assert.False(attached.SessionPresent);
    }

    [Fact]
    public async Task The_handed_off_state_naming_the_connection_makes_the_waiting_attach_a_takeover_of_it()
    {
        string clientId = await StoredOnlineAsync("restored");
        cluster.Region.Tell(new AttachSession(clientId, false, 2, _newNode.Ref, 60));
        _newNode.ExpectNoMsg(TimeSpan.FromMilliseconds(300));

        // the previous entity's state arrives (its shard was handed off): the client was attached through connection 1
        var record = new SessionRecord(true, 1, 0, null, 0, SessionSnapshot.Empty);
        cluster.Region.Tell(new RestoreSession(clientId, _oldNode.Ref, record));
        DisconnectConnection disconnect = _oldNode.ExpectMsg<DisconnectConnection>(Wait);
        Assert.Equal((1L, ReasonCode.SessionTakenOver), (disconnect.ConnectionId, disconnect.ReasonCode));

        SessionSnapshot live = SessionSnapshot.Empty with { Subscriptions = [new Subscription("live/#", QualityOfService.AtLeastOnce)] };
        cluster.Region.Tell(new DetachSession(clientId, 1, _oldNode.Ref, 60, live, null));
        SessionAttached attached = _newNode.ExpectMsg<SessionAttached>(Wait);
        Assert.True(attached.SessionPresent);
        Assert.Equal("live/#", Assert.Single(attached.Snapshot.Subscriptions).Filter);
    }

    [Fact]
    public async Task Without_a_hand_back_the_waiting_attach_continues_from_the_store()
    {
        string clientId = await StoredOnlineAsync("silent");
        cluster.Region.Tell(new AttachSession(clientId, false, 2, _newNode.Ref, 60));

        SessionAttached attached = _newNode.ExpectMsg<SessionAttached>(Wait);
        Assert.True(attached.SessionPresent);
        Assert.Equal(StoredSubscription.Filter, Assert.Single(attached.Snapshot.Subscriptions).Filter);
        QueuedMessage pending = Assert.Single(attached.Snapshot.Queued);
        Assert.Equal(("stored/t", "stored-pending"), (pending.Message.Topic, Text(pending)));
    }

    /// <summary>A session the store says is online on this (live) node, through a connection no entity knows now.</summary>
    private async Task<string> StoredOnlineAsync(string name)
    {
        string clientId = _prefix + name;
        var session = new StoredSession(cluster.LocalHome, Online: true, 60, 0, null, 0, [StoredSubscription], []);
        await cluster.Store.SaveAsync(clientId, session, previousHomeNode: null, SessionSnapshot.Empty with { Subscriptions = [StoredSubscription], Queued = [Message("stored-pending")] });
        return clientId;
    }

    private static QueuedMessage Message(string payload) =>
        new(new BrokerMessage { Topic = "stored/t", Payload = Encoding.UTF8.GetBytes(payload), QoS = QualityOfService.AtLeastOnce }, QualityOfService.AtLeastOnce, false, null);

    private static string Text(QueuedMessage message) => Encoding.UTF8.GetString(message.Message.Payload.Span);
}
