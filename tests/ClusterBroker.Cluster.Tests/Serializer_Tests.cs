using Akka.Actor;
using Akka.Serialization;
using ClusterBroker.Cluster.Messages;
using ClusterBroker.Cluster.Serialization;
using ClusterBroker.Core.Messages;
using ClusterBroker.Protocol;

namespace ClusterBroker.Cluster.Tests;

public class Serializer_Tests : Akka.TestKit.Xunit2.TestKit
{
    public Serializer_Tests()
        : base(ClusterTestConfig.Serialization, "serializer-tests")
    {
    }

    private static BrokerMessage FullMessage() => new()
    {
        Topic = "a/b",
        Payload = new byte[] { 1, 2, 3 },
        QoS = QualityOfService.ExactlyOnce,
        Retain = true,
        PublisherId = "pub",
        ExpiresAtUnixMs = 1234567,
        PayloadFormatIndicator = 1,
        ContentType = "text/plain",
        ResponseTopic = "reply",
        CorrelationData = new byte[] { 9 },
        UserProperties = [new UserProperty("k", "v")],
    };

    private static SessionSnapshot FullSnapshot() => new(
        [new Subscription("$share/g/t", QualityOfService.AtLeastOnce, false, true, RetainHandling.DoNotSend, 7), new Subscription("x/#", QualityOfService.AtMostOnce)],
        [new InflightMessage(5, new QueuedMessage(FullMessage(), QualityOfService.AtLeastOnce, false, [1u, 2u]), true)],
        [new QueuedMessage(new BrokerMessage { Topic = "q" }, QualityOfService.AtLeastOnce, true, null)],
        [3, 4]);

    public static IEnumerable<object[]> Messages()
    {
        yield return [new DetachSession("c", 42, 60, FullSnapshot(), new PendingWill(FullMessage(), 30))];
        yield return [new DetachSession("c", 42, 0, SessionSnapshot.Empty, null)];
        yield return [new EnqueueMessage("c", new QueuedMessage(FullMessage(), QualityOfService.AtMostOnce, false, [3u]), Bounced: true)];
        yield return [new SessionAttached("c", true, FullSnapshot())];
        yield return [new DisconnectConnection(9, ReasonCode.SessionTakenOver)];
        yield return [new DeliverToConnection(9, "c", new QueuedMessage(FullMessage(), QualityOfService.ExactlyOnce, true, null))];
        yield return [new PublishWill("c", FullMessage())];
        yield return [new SessionExpired("c")];
    }

    [Theory]
    [MemberData(nameof(Messages))]
    public void Every_cross_node_message_round_trips_through_the_explicit_serializer(object message)
    {
        Serializer serializer = Sys.Serialization.FindSerializerFor(message);
        Assert.IsType<ClusterBrokerSerializer>(serializer);
        var withManifest = (SerializerWithStringManifest)serializer;
        byte[] bytes = serializer.ToBinary(message);
        object back = withManifest.FromBinary(bytes, withManifest.Manifest(message));
        Assert.Equal(message.GetType(), back.GetType());
        byte[] again = serializer.ToBinary(back);
        int diff = Enumerable.Range(0, Math.Min(bytes.Length, again.Length)).FirstOrDefault(i => bytes[i] != again[i], -1);
        Assert.True(diff < 0 && bytes.Length == again.Length, $"first difference at {diff} of {bytes.Length}/{again.Length}: {Convert.ToHexString(bytes)} vs {Convert.ToHexString(again)}");
    }

    [Fact]
    public void Attach_carries_the_node_actor_reference()
    {
        var message = new AttachSession("c", true, 5, TestActor);
        var serializer = (SerializerWithStringManifest)Sys.Serialization.FindSerializerFor(message);
        var back = (AttachSession)serializer.FromBinary(serializer.ToBinary(message), serializer.Manifest(message));
        Assert.Equal(message, back);
    }

    [Fact]
    public void Fields_survive_the_round_trip()
    {
        var original = new DetachSession("c", 42, 60, FullSnapshot(), new PendingWill(FullMessage(), 30));
        var serializer = (SerializerWithStringManifest)Sys.Serialization.FindSerializerFor(original);
        var back = (DetachSession)serializer.FromBinary(serializer.ToBinary(original), serializer.Manifest(original));
        Assert.Equal(30u, back.Will!.DelaySeconds);
        BrokerMessage m = back.Will.Message;
        Assert.Equal(("a/b", QualityOfService.ExactlyOnce, true, "pub", 1234567L, (byte?)1, "text/plain", "reply"), (m.Topic, m.QoS, m.Retain, m.PublisherId, m.ExpiresAtUnixMs, m.PayloadFormatIndicator, m.ContentType, m.ResponseTopic));
        Assert.Equal(new byte[] { 1, 2, 3 }, m.Payload.ToArray());
        Assert.Equal(new byte[] { 9 }, m.CorrelationData!.Value.ToArray());
        Assert.Equal(new UserProperty("k", "v"), Assert.Single(m.UserProperties!));
        Assert.Equal(FullSnapshot().Subscriptions, back.Snapshot.Subscriptions);
        Assert.Equal((ushort)5, back.Snapshot.Inflight[0].PacketId);
        Assert.True(back.Snapshot.Inflight[0].Released);
        Assert.Equal(new uint[] { 1, 2 }, back.Snapshot.Inflight[0].Delivery.SubscriptionIdentifiers);
        Assert.Equal(new ushort[] { 3, 4 }, back.Snapshot.IncomingQoS2);
    }
}
