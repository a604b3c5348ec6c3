using ClusterBroker.Core.Messages;
using ClusterBroker.Core.Routing;
using ClusterBroker.Core.Tests.Infrastructure;
using ClusterBroker.Protocol;

namespace ClusterBroker.Core.Tests;

/// <summary>
/// A resumed session that is given the same message (same <see cref="BrokerMessage.Id"/>) along two paths, as happens
/// while it moves between nodes (directly, and through the node it left), sends it once; only in its first seconds,
/// and only for a resumed session.
/// </summary>
public class Repeat_Suppression_Tests
{
    private static BrokerMessage Message(string payload) => IdentifiedMessage.QoS1(payload);

    private static (TestBroker Broker, TestClient Client, SessionEndpoint Endpoint) ResumedSession(QueuedMessage? queuedWhileAway = null)
    {
        var broker = new TestBroker();
        TestClient first = broker.Connect("sub", ProtocolVersion.V500, clean: false, c => c with { SessionExpiryInterval = 600 });
        first.Subscribe("t", QualityOfService.AtLeastOnce);
        first.Drop();
        Assert.True(broker.Context.Router.TryGetEndpoint("sub", out SessionEndpoint away));
        if (queuedWhileAway is not null)
        {
            away.Deliver(Delivery.FromQueued(queuedWhileAway));
        }

        TestClient back = broker.Connect("sub", ProtocolVersion.V500, clean: false, c => c with { SessionExpiryInterval = 600 });
        Assert.True(back.Connection.Last<Protocol.Packets.ConnAckPacket>().SessionPresent);
        Assert.True(broker.Context.Router.TryGetEndpoint("sub", out SessionEndpoint endpoint));
        return (broker, back, endpoint);
    }

    [Fact]
    public void A_message_given_twice_to_a_resumed_session_is_sent_once_and_counted()
    {
        (TestBroker broker, TestClient client, SessionEndpoint endpoint) = ResumedSession();
        BrokerMessage message = Message("m1");
        endpoint.Deliver(new Delivery(message, QualityOfService.AtLeastOnce, false, null, null));
        endpoint.Deliver(new Delivery(message, QualityOfService.AtLeastOnce, false, null, null));
        endpoint.Deliver(new Delivery(Message("m2"), QualityOfService.AtLeastOnce, false, null, null));

        Assert.Equal(["m1", "m2"], client.ReceivedPayloads);
        Assert.Equal(1, broker.Context.Metrics.RepeatsSuppressed);
    }

    [Fact]
    public void A_message_queued_while_away_and_given_again_after_the_resumption_is_sent_once()
    {
        BrokerMessage message = Message("queued");
        (TestBroker broker, TestClient client, SessionEndpoint endpoint) = ResumedSession(new QueuedMessage(message, QualityOfService.AtLeastOnce, false, null));
        Assert.Equal(["queued"], client.ReceivedPayloads);

        endpoint.Deliver(new Delivery(message, QualityOfService.AtLeastOnce, false, null, null));

        Assert.Equal(["queued"], client.ReceivedPayloads);
        Assert.Equal(1, broker.Context.Metrics.RepeatsSuppressed);
    }

    [Fact]
    public void After_the_window_the_session_no_longer_looks_for_repeats()
    {
        (TestBroker broker, TestClient client, SessionEndpoint endpoint) = ResumedSession();
        BrokerMessage message = Message("late");
        endpoint.Deliver(new Delivery(message, QualityOfService.AtLeastOnce, false, null, null));
        broker.Time.Advance(Channel.RecentMessageIds.Window + TimeSpan.FromSeconds(1));
        endpoint.Deliver(new Delivery(message, QualityOfService.AtLeastOnce, false, null, null));

        Assert.Equal(["late", "late"], client.ReceivedPayloads);
        Assert.Equal(0, broker.Context.Metrics.RepeatsSuppressed);
    }

    [Fact]
    public void A_new_session_and_messages_without_an_identity_are_not_checked()
    {
        var broker = new TestBroker();
        TestClient client = broker.Connect("fresh", ProtocolVersion.V500, clean: true);
        client.Subscribe("t", QualityOfService.AtLeastOnce);
        Assert.True(broker.Context.Router.TryGetEndpoint("fresh", out SessionEndpoint endpoint));
        BrokerMessage message = Message("twice");
        endpoint.Deliver(new Delivery(message, QualityOfService.AtLeastOnce, false, null, null));
        endpoint.Deliver(new Delivery(message, QualityOfService.AtLeastOnce, false, null, null));

        (TestBroker resumedBroker, TestClient resumed, SessionEndpoint resumedEndpoint) = ResumedSession();
        BrokerMessage anonymous = Message("no id") with { Id = 0 };
        resumedEndpoint.Deliver(new Delivery(anonymous, QualityOfService.AtLeastOnce, false, null, null));
        resumedEndpoint.Deliver(new Delivery(anonymous, QualityOfService.AtLeastOnce, false, null, null));

        Assert.Equal(["twice", "twice"], client.ReceivedPayloads);
        Assert.Equal(["no id", "no id"], resumed.ReceivedPayloads);
        Assert.Equal(0, broker.Context.Metrics.RepeatsSuppressed + resumedBroker.Context.Metrics.RepeatsSuppressed);
    }

    [Fact]
    public async Task Every_accepted_PUBLISH_gets_its_own_identity_and_a_retained_copy_none()
    {
        var broker = new TestBroker();
        TestClient sub = broker.Connect("sub", ProtocolVersion.V500, clean: false, c => c with { SessionExpiryInterval = 600 });
        sub.Subscribe("t", QualityOfService.AtLeastOnce);
        sub.Drop();
        TestClient pub = broker.Connect("pub");
        pub.Publish("t", "a", QualityOfService.AtLeastOnce);
        pub.Publish("t", "b", QualityOfService.AtLeastOnce, retain: true);

        IReadOnlyList<QueuedMessage> queued = broker.Sessions.Find("sub")!.Export(broker.Context.NowUnixMs()).Offline.Queued;
        Assert.Equal(2, queued.Count);
        Assert.All(queued, q => Assert.NotEqual(0UL, q.Message.Id));
        Assert.NotEqual(queued[0].Message.Id, queued[1].Message.Id);

        var retained = new List<BrokerMessage>();
        await broker.Context.Retained.GetMatching("t", retained, broker.Context.NowUnixMs());
        Assert.Equal(0UL, Assert.Single(retained).Id);
    }
}
