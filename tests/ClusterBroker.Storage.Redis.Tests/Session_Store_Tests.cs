using System.Text;
using ClusterBroker.Core.Messages;
using ClusterBroker.Core.Sessions;
using ClusterBroker.Protocol;
using ClusterBroker.Storage.Redis.Sessions;
using StackExchange.Redis;

namespace ClusterBroker.Storage.Redis.Tests;

/// <summary>The Redis session store against a real redis-server: what is written is read back exactly, in order, per node.</summary>
public sealed class Session_Store_Tests(RedisServerFixture redis) : IClassFixture<RedisServerFixture>, IAsyncLifetime
{
    private readonly LogCapture _logs = new();
    private readonly string _prefix = Unique.Prefix();
    private RedisConnection? _connection;

    private RedisSessionStore Store { get; set; } = null!;

    public async Task InitializeAsync()
    {
        _connection = await RedisConnection.ConnectAsync(new RedisOptions { Configuration = redis.Server.Configuration, KeyPrefix = _prefix }, _logs);
        Store = new RedisSessionStore(_connection, _logs);
    }

    public async Task DisposeAsync()
    {
        if (_connection is not null)
        {
            await _connection.DisposeAsync();
        }
    }

    [Fact]
    public async Task A_saved_session_is_loaded_with_its_subscriptions_will_and_pending_messages_in_order()
    {
        var will = new PendingWill(Message("wills/c1", "gone", retain: true) with { ContentType = "text/plain" }, 30);
        Subscription[] subscriptions =
        [
            new("a/+/c", QualityOfService.AtLeastOnce),
            new("$share/g/x/#", QualityOfService.ExactlyOnce, NoLocal: true, RetainAsPublished: true, RetainHandling.DoNotSend, SubscriptionIdentifier: 268435455),
        ];
        var session = new StoredSession("node-a", Online: false, 3600, 1_900_000_000_000, will, 1_800_000_000_000, subscriptions, [7, 65535]);
        var pending = new SessionSnapshot(
            subscriptions,
            [new InflightMessage(12, Queued("a/b/c", "sent-1", QualityOfService.AtLeastOnce), false), new InflightMessage(13, Queued("a/b/c", "sent-2", QualityOfService.ExactlyOnce), true)],
            [Queued("a/b/c", "queued-1", QualityOfService.AtLeastOnce, ids: [5, 6]), Queued("x/y", "queued-2", QualityOfService.ExactlyOnce, retain: true)],
            [7, 65535]);

        await Store.SaveAsync("c1", session, previousHomeNode: null, pending);
        StoredSessionContents? loaded = await Store.LoadAsync("c1");

        Assert.NotNull(loaded);
        Assert.Equal(("node-a", false, 3600u, 1_900_000_000_000L, 1_800_000_000_000L), (loaded.Session.HomeNode, loaded.Session.Online, loaded.Session.SessionExpiryInterval, loaded.Session.ExpiresAtUnixMs, loaded.Session.WillDueAtUnixMs));
        Assert.Equal(subscriptions, loaded.Session.Subscriptions);
        Assert.Equal(new ushort[] { 7, 65535 }, loaded.Session.IncomingQoS2);
        Assert.Equal(("wills/c1", "gone", true, "text/plain", 30u), (loaded.Session.Will!.Message.Topic, Text(loaded.Session.Will.Message), loaded.Session.Will.Message.Retain, loaded.Session.Will.Message.ContentType, loaded.Session.Will.DelaySeconds));
        Assert.Equal(new (ushort, string, bool)[] { (12, "sent-1", false), (13, "sent-2", true) }, loaded.Pending.Inflight.Select(m => (m.PacketId, Text(m.Delivery.Message), m.Released)));
        Assert.Equal(new[] { "queued-1", "queued-2" }, loaded.Pending.Queued.Select(m => Text(m.Message)));
        Assert.Equal(new uint[] { 5, 6 }, loaded.Pending.Queued[0].SubscriptionIdentifiers);
        Assert.Equal((QualityOfService.ExactlyOnce, true, true), (loaded.Pending.Queued[1].QoS, loaded.Pending.Queued[1].Retain, loaded.Pending.Queued[1].Message.Retain));
        Assert.False(loaded.Pending.Queued[0].Message.Retain);
    }

    [Fact]
    public async Task Appended_messages_follow_the_saved_ones_and_the_oldest_go_beyond_the_limit()
    {
        await Store.SaveAsync("c2", Session("node-a"), null, new SessionSnapshot([], [], [Queued("t", "m0", QualityOfService.AtLeastOnce)], []));
        for (int i = 1; i <= 5; i++)
        {
            await Store.AppendAsync("c2", Queued("t", $"m{i}", QualityOfService.AtLeastOnce), dropOldestBeyond: 0);
        }

        Assert.Equal(new[] { "m0", "m1", "m2", "m3", "m4", "m5" }, (await Store.LoadAsync("c2"))!.Pending.Queued.Select(m => Text(m.Message)));

        await Store.AppendAsync("c2", Queued("t", "m6", QualityOfService.AtLeastOnce), dropOldestBeyond: 3);
        Assert.Equal(new[] { "m4", "m5", "m6" }, (await Store.LoadAsync("c2"))!.Pending.Queued.Select(m => Text(m.Message)));
    }

    [Fact]
    public async Task Saving_with_pending_messages_replaces_them_and_saving_without_keeps_them()
    {
        await Store.SaveAsync("c3", Session("node-a"), null, new SessionSnapshot([], [], [Queued("t", "old", QualityOfService.AtLeastOnce)], []));
        await Store.SaveAsync("c3", Session("node-a") with { Online = true }, "node-a", pending: null);
        Assert.Equal(new[] { "old" }, (await Store.LoadAsync("c3"))!.Pending.Queued.Select(m => Text(m.Message)));

        await Store.SaveAsync("c3", Session("node-a"), "node-a", new SessionSnapshot([], [], [Queued("t", "new", QualityOfService.AtLeastOnce)], []));
        StoredSessionContents loaded = (await Store.LoadAsync("c3"))!;
        Assert.Equal(new[] { "new" }, loaded.Pending.Queued.Select(m => Text(m.Message)));
        Assert.False(loaded.Session.Online);

        await Store.SaveAsync("c3", Session("node-a"), "node-a", SessionSnapshot.Empty);
        Assert.Empty((await Store.LoadAsync("c3"))!.Pending.Queued);
    }

    [Fact]
    public async Task Each_node_index_lists_the_sessions_at_home_there_and_a_move_or_delete_updates_it()
    {
        await Store.SaveAsync("c4", Session("node-a"), null, null);
        await Store.SaveAsync("c5", Session("node-a"), null, null);
        await Store.SaveAsync("c6", Session("node-b"), null, null);
        Assert.Equal(new[] { "c4", "c5" }, (await Store.SessionsOfNodeAsync("node-a")).Order());

        await Store.SaveAsync("c5", Session("node-b"), "node-a", null);
        await Store.DeleteAsync("c6", "node-b");

        Assert.Equal(new[] { "c4" }, await Store.SessionsOfNodeAsync("node-a"));
        Assert.Equal(new[] { "c5" }, await Store.SessionsOfNodeAsync("node-b"));
        Assert.Null(await Store.LoadAsync("c6"));
        Assert.Empty(await Store.SessionsOfNodeAsync("node-c"));
    }

    [Fact]
    public async Task A_session_that_cannot_be_decoded_is_skipped_with_a_log_line_naming_its_key()
    {
        IDatabase db = _connection!.Multiplexer.GetDatabase();
        await db.StringSetAsync(_prefix + "session:broken", new byte[] { 9, 1, 2, 3 });
        await Store.SaveAsync("half", Session("node-a"), null, new SessionSnapshot([], [], [Queued("t", "good", QualityOfService.AtLeastOnce)], []));
        await db.ListRightPushAsync(_prefix + "session-pending:half", new byte[] { 1, 0, 0 });

        Assert.Null(await Store.LoadAsync("broken"));
        Assert.Equal(new[] { "good" }, (await Store.LoadAsync("half"))!.Pending.Queued.Select(m => Text(m.Message)));
        Assert.Equal(2, Store.Undecodable);
        Assert.Contains(_logs.Entries, e => e.Message.Contains(_prefix + "session:broken", StringComparison.Ordinal) && e.Message.Contains("format version 9", StringComparison.Ordinal));
        Assert.Contains(_logs.Entries, e => e.Message.Contains(_prefix + "session-pending:half", StringComparison.Ordinal));
    }

    [Fact]
    public async Task While_online_the_connections_QoS_2_flows_replace_the_pending_copies_of_what_it_was_given()
    {
        QueuedMessage resumed = Identified(Queued("t", "resumed", QualityOfService.ExactlyOnce), 100);
        QueuedMessage queuedThenSent = Identified(Queued("t", "queued-then-sent", QualityOfService.ExactlyOnce), 101);
        QueuedMessage stillQueued = Identified(Queued("t", "still-queued", QualityOfService.ExactlyOnce), 102);
        QueuedMessage completed = Identified(Queued("t", "completed", QualityOfService.ExactlyOnce), 103);
        QueuedMessage atLeastOnce = Identified(Queued("t", "qos1", QualityOfService.AtLeastOnce), 104);
        // handed back: two QoS 2 messages sent and unacknowledged (7, 9), a QoS 1 one (8), two queued
        await Store.SaveAsync("q1", Session("node-a"), null, new SessionSnapshot([], [new InflightMessage(7, resumed, false), new InflightMessage(8, atLeastOnce, false), new InflightMessage(9, completed, false)], [queuedThenSent, stillQueued], []));

        // a connection attaches: it resends 7 and 9, sends the first queued one as 10, gets PUBREC for 7 and PUBCOMP for 9
        await Store.SaveAsync("q1", Session("node-b") with { Online = true }, "node-a", pending: null, newConnection: true);
        Assert.True(await Store.SendingAsync("q1", 7, resumed));
        Assert.True(await Store.SendingAsync("q1", 9, completed));
        Assert.True(await Store.SendingAsync("q1", 10, queuedThenSent));
        Assert.True(await Store.ReleasingAsync("q1", 7, resumed));
        Store.Completed("q1", 9);

        // its node dies: what the store gives the session is the connection's flows, in the order of their last step
        // (PUBLISHes as sent, PUBRELs as their PUBRECs came, [MQTT-4.6.0-1..3]; a released flow keeps no payload: it is
        // never published again), and the rest
        StoredSessionContents loaded = (await Store.LoadAsync("q1"))!;
        Assert.Equal(new (ushort, string, bool)[] { (8, "qos1", false), (10, "queued-then-sent", false), (7, "", true) }, loaded.Pending.Inflight.Select(m => (m.PacketId, Text(m.Delivery.Message), m.Released)));
        Assert.Equal(new[] { "still-queued" }, loaded.Pending.Queued.Select(m => Text(m.Message)));
        Assert.Equal(new ulong[] { 100, 101, 103 }, loaded.GivenQoS2!.Order());

        // continued offline: the pending messages hold every flow, the connection's are gone; the given identities stay
        await Store.SaveAsync("q1", Session("node-c"), "node-b", loaded.Pending);
        StoredSessionContents offline = (await Store.LoadAsync("q1"))!;
        Assert.Equal(new ushort[] { 8, 10, 7 }, offline.Pending.Inflight.Select(m => m.PacketId));
        Assert.Equal(new[] { "still-queued" }, offline.Pending.Queued.Select(m => Text(m.Message)));
        Assert.Equal(new ulong[] { 103 }, offline.GivenQoS2!.Order()); // the pending ones are the session's again

        // a new connection attaches; should its node die before it recorded the flows it resumed, they are still there
        await Store.SaveAsync("q1", Session("node-c") with { Online = true }, "node-c", pending: null, newConnection: true);
        Assert.Equal(new ushort[] { 8, 10, 7 }, (await Store.LoadAsync("q1"))!.Pending.Inflight.Select(m => m.PacketId));
        Assert.True(await Store.ReleasingAsync("q1", 10, queuedThenSent));
        Assert.Equal(new (ushort, bool)[] { (8, false), (7, true), (10, true) }, (await Store.LoadAsync("q1"))!.Pending.Inflight.Select(m => (m.PacketId, m.Released)));

        await Store.DeleteAsync("q1", "node-c");
        Assert.Null(await Store.LoadAsync("q1"));
        IDatabase db = _connection!.Multiplexer.GetDatabase();
        Assert.False(await db.KeyExistsAsync(_prefix + "session-qos2:q1"));
        Assert.False(await db.KeyExistsAsync(_prefix + "session-given:q1"));
    }

    [Fact]
    public async Task A_QoS_2_record_Redis_does_not_confirm_is_reported_not_thrown()
    {
        await using RedisConnection failing = await RedisConnection.ConnectAsync(new RedisOptions { Configuration = redis.Server.Configuration, KeyPrefix = _prefix, OperationTimeout = TimeSpan.FromSeconds(1) }, _logs);
        var store = new RedisSessionStore(failing, _logs);
        await using RawRedis admin = await RawRedis.ConnectAsync(redis.Server, _prefix);
        await admin.Db.ExecuteAsync("CLIENT", "PAUSE", "3000", "WRITE");
        bool recorded = await store.SendingAsync("q2", 1, Identified(Queued("t", "x", QualityOfService.ExactlyOnce), 5));
        Assert.False(recorded);
        Assert.Equal(1, store.QoS2RecordsFailed);
        Assert.Contains(_logs.Entries, e => e.Message.Contains("recording a QoS 2 PUBLISH for client q2 failed", StringComparison.Ordinal));
        await admin.Db.ExecuteAsync("CLIENT", "UNPAUSE");
    }

    private static QueuedMessage Identified(QueuedMessage message, ulong id) => message with { Message = message.Message with { Id = id } };

    private static StoredSession Session(string node) => new(node, false, 60, 0, null, 0, [new Subscription("t", QualityOfService.AtLeastOnce)], []);

    private static BrokerMessage Message(string topic, string payload, bool retain = false, QualityOfService qos = QualityOfService.AtLeastOnce) =>
        new() { Topic = topic, Payload = Encoding.UTF8.GetBytes(payload), QoS = qos, Retain = retain, PublisherId = "p" };

    private static QueuedMessage Queued(string topic, string payload, QualityOfService qos, bool retain = false, uint[]? ids = null) =>
        new(Message(topic, payload, retain, qos), qos, retain, ids);

    private static string Text(BrokerMessage message) => Encoding.UTF8.GetString(message.Payload.Span);
}
