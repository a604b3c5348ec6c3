using System.Diagnostics;
using ClusterBroker.Core.Messages;
using ClusterBroker.Core.Routing;
using ClusterBroker.Core.Tests.Infrastructure;
using ClusterBroker.Protocol;

namespace ClusterBroker.Core.Tests;

/// <summary>
/// A crashed publisher node's journal routes its last messages again (<see cref="BrokerMessage.Replayed"/>). A persistent
/// session of this node that had the original (it arrived here as a forward after the session's subscriptions were in
/// place) is not given the replayed copy; a session that subscribed later is. A shared group gets it once, through one
/// member (the group was owed it: the journal keeps messages for shared groups as for persistent sessions).
/// </summary>
public class Replay_Repeat_Tests
{
    private static BrokerMessage Forwarded(string payload) => IdentifiedMessage.QoS1(payload);

    private static TestClient PersistentSubscriber(TestBroker broker, string clientId)
    {
        TestClient client = broker.Connect(clientId, ProtocolVersion.V500, clean: false, c => c with { SessionExpiryInterval = 600 });
        client.Subscribe("t", QualityOfService.AtLeastOnce);
        return client;
    }

    private static TestClient CleanSubscriber(TestBroker broker, string clientId, string filter)
    {
        TestClient client = broker.Connect(clientId);
        client.Subscribe(filter, QualityOfService.AtLeastOnce);
        return client;
    }

    [Fact]
    public void A_replayed_copy_skips_the_sessions_that_had_the_forwarded_original_and_reaches_one_that_subscribed_since()
    {
        var broker = new TestBroker();
        NodeRouter router = broker.Context.Router;
        router.ReceivedForwards = new ReceivedForwards(TimeSpan.FromSeconds(60));
        TestClient before = PersistentSubscriber(broker, "before");
        BrokerMessage original = Forwarded("m");
        router.DeliverForwarded(original, plain: true, groups: null);
        TestClient after = PersistentSubscriber(broker, "after");

        router.Publish(original with { Replayed = true });

        Assert.Equal(["m"], before.ReceivedPayloads);
        Assert.Equal(["m"], after.ReceivedPayloads);
        Assert.Equal(1, router.ReplayRepeatsSkipped);
    }

    [Fact]
    public void Without_the_index_or_for_a_message_that_never_came_here_every_persistent_session_gets_the_replayed_copy()
    {
        var broker = new TestBroker();
        NodeRouter router = broker.Context.Router;
        TestClient subscriber = PersistentSubscriber(broker, "sub");
        BrokerMessage original = Forwarded("again");
        router.DeliverForwarded(original, plain: true, groups: null);
        router.Publish(original with { Replayed = true });

        router.ReceivedForwards = new ReceivedForwards(TimeSpan.FromSeconds(60));
        router.Publish(Forwarded("never forwarded here") with { Replayed = true });

        Assert.Equal(["again", "again", "never forwarded here"], subscriber.ReceivedPayloads);
        Assert.Equal(0, router.ReplayRepeatsSkipped);
    }

    [Fact]
    public void A_replayed_copy_goes_to_one_member_of_each_matching_shared_group_and_to_no_clean_plain_subscriber()
    {
        var broker = new TestBroker();
        NodeRouter router = broker.Context.Router;
        TestClient first = CleanSubscriber(broker, "member-1", "$share/g/t");
        TestClient second = CleanSubscriber(broker, "member-2", "$share/g/t");
        TestClient clean = CleanSubscriber(broker, "clean", "t");

        router.Publish(Forwarded("owed to the group") with { Replayed = true });

        Assert.Equal(["owed to the group"], first.ReceivedPayloads.Concat(second.ReceivedPayloads));
        Assert.Empty(clean.ReceivedPayloads);
    }

    [Fact]
    public void A_message_for_a_shared_group_only_is_journaled_like_one_for_a_persistent_session()
    {
        var broker = new TestBroker();
        NodeRouter router = broker.Context.Router;
        CleanSubscriber(broker, "member", "$share/g/t");
        CleanSubscriber(broker, "clean", "other");

        router.Publish(Forwarded("to the group"), out bool groupReached);
        router.Publish(Forwarded("to a clean session") with { Topic = "other" }, out bool cleanReached);

        Assert.True(groupReached);
        Assert.False(cleanReached);
    }

    [Fact]
    public void An_arrival_is_remembered_for_the_window_only()
    {
        var received = new ReceivedForwards(TimeSpan.FromSeconds(10));
        long now = Stopwatch.GetTimestamp();
        received.Record(42, now);

        Assert.True(received.TryGetArrival(42, now + Stopwatch.Frequency, out long at));
        Assert.Equal(now, at);
        Assert.False(received.TryGetArrival(42, now + (11 * Stopwatch.Frequency), out _));
        Assert.Equal(0, received.Count);
    }
}
