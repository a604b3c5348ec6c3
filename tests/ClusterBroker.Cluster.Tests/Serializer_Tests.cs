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
        Id = 0xF123_4567_89AB_CDEF,
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
        var origin = new Akka.Cluster.UniqueAddress(new Address("akka.tcp", "cluster-broker", "127.0.0.1", 2551), 12345);
        yield return [new EnqueueMessage("c", new QueuedMessage(FullMessage(), QualityOfService.AtMostOnce, false, [3u]))];
        yield return [new DeliverToConnection(9, "c", new QueuedMessage(FullMessage(), QualityOfService.ExactlyOnce, true, null))];
        yield return [new PublishWill("c", FullMessage())];
        yield return [new ForgetSession("c")];
        yield return [new AwaitHostedRoutes(3)];
        yield return [new ForwardMarker(42)];
        yield return [new HostedRoutesPropagated(true)];
        yield return [new QuerySessionQueue("c")];
        yield return [new SessionQueueReport("c", true, false, 12, 3)];
        yield return [new DisconnectConnection("c", 9, ReasonCode.SessionTakenOver)];
        yield return [new ConnectionClosed("c", 9)];
        yield return [new SessionAttached("c", 42, true, 60, FullSnapshot())];
        yield return [new ReportConnections(3, 64)];
        yield return [new ConnectionsReport([new ConnectionEntry("a", 1), new ConnectionEntry("b", 2)])];
        yield return [new ClientIdClaimed("c", 4)];
        yield return [new HostSessionEndpoint("c", FullSnapshot().Subscriptions)];
        yield return [new MessagePart("c", 77, 2, true, "SD", new byte[] { 1, 2, 3 })];
        yield return [new RouteDelta(origin, 5, [new RouteChange(true, new Core.Routing.RouteKey("a/+")), new RouteChange(false, new Core.Routing.RouteKey("b/#", "g"))])];
        yield return [new RouteSnapshotPart(origin, 6, true, [new Core.Routing.RouteKey("x"), new Core.Routing.RouteKey("y", "$queue")])];
        yield return [new RequestRouteSnapshot(origin)];
        yield return [new ForwardBatch([new ForwardedMessage(FullMessage(), true, null), new ForwardedMessage(FullMessage(), false, [new Core.Routing.RouteKey("t", "g")])])];
    }

    /// <summary>Messages that carry actor references (compared after the round trip, not byte for byte).</summary>
    public static IEnumerable<object[]> MessagesWithActorRefs()
    {
        yield return ["detach"];
        yield return ["attach"];
        yield return ["claim"];
        yield return ["release"];
        yield return ["restore"];
        yield return ["moved"];
        yield return ["bounced"];
    }

    private object Build(string kind) => kind switch
    {
        "detach" => new DetachSession("c", 42, TestActor, 60, FullSnapshot(), new PendingWill(FullMessage(), 30)),
        "attach" => new AttachSession("c", true, 5, TestActor, 30),
        "claim" => new ClaimClientId("c", 5, TestActor),
        "release" => new ReleaseClientId("c", 5, TestActor),
        "restore" => new RestoreSession("c", TestActor, new SessionRecord(true, 3, 99, new PendingWill(FullMessage(), 4), 100, FullSnapshot())),
        "moved" => new SessionEndpointMoved("c", TestActor),
        "bounced" => new EnqueueMessage("c", new QueuedMessage(FullMessage(), QualityOfService.AtLeastOnce, false, null), TestActor, 7),
        _ => throw new ArgumentOutOfRangeException(nameof(kind)),
    };

    [Theory]
    [MemberData(nameof(MessagesWithActorRefs))]
    public void Messages_naming_a_node_round_trip_with_the_node_actor_reference(string kind)
    {
        object message = Build(kind);
        var serializer = (SerializerWithStringManifest)Sys.Serialization.FindSerializerFor(message);
        byte[] bytes = serializer.ToBinary(message);
        object back = serializer.FromBinary(bytes, serializer.Manifest(message));
        Assert.Equal(message.GetType(), back.GetType());
        Assert.Equal(bytes, serializer.ToBinary(back));
    }

    [Fact]
    public void An_unknown_layout_version_is_refused_with_a_clear_error()
    {
        var message = new ForgetSession("c");
        var serializer = (SerializerWithStringManifest)Sys.Serialization.FindSerializerFor(message);
        byte[] bytes = serializer.ToBinary(message);
        bytes[0] = 99;
        var error = Assert.Throws<System.Runtime.Serialization.SerializationException>(() => serializer.FromBinary(bytes, serializer.Manifest(message)));
        Assert.Contains("version 99", error.Message);
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
    public void A_state_too_large_for_one_frame_is_sent_in_parts_that_reassemble_to_the_same_message()
    {
        var queued = Enumerable.Range(0, 300).Select(i => new QueuedMessage(new BrokerMessage { Topic = "t/" + i, Payload = new byte[1000 + i] }, QualityOfService.AtLeastOnce, false, null)).ToArray();
        var original = new DetachSession("c", 1, TestActor, 60, SessionSnapshot.Empty with { Queued = queued }, null);
        var parts = CreateTestProbe();
        MessageParts.Send(Sys, parts.Ref, "c", original, MessageParts.EstimateSize(original.Snapshot));
        var assembler = new MessagePartAssembler((ExtendedActorSystem)Sys);
        object? whole = null;
        int count = 0;
        while (whole is null)
        {
            MessagePart part = parts.ExpectMsg<MessagePart>(TimeSpan.FromSeconds(5));
            Assert.True(part.Chunk.Length <= MessageParts.ChunkSize);
            count++;
            whole = assembler.Add(part);
        }

        Assert.True(count > 1);
        var back = Assert.IsType<DetachSession>(whole);
        Assert.Equal(queued.Select(q => q.Message.Payload.Length), back.Snapshot.Queued.Select(q => q.Message.Payload.Length));
    }

    [Fact]
    public void Fields_survive_the_round_trip()
    {
        var original = new DetachSession("c", 42, TestActor, 60, FullSnapshot(), new PendingWill(FullMessage(), 30));
        var serializer = (SerializerWithStringManifest)Sys.Serialization.FindSerializerFor(original);
        var back = (DetachSession)serializer.FromBinary(serializer.ToBinary(original), serializer.Manifest(original));
        Assert.Equal(30u, back.Will!.DelaySeconds);
        BrokerMessage m = back.Will.Message;
        Assert.Equal(("a/b", QualityOfService.ExactlyOnce, true, "pub", 1234567L, (byte?)1, "text/plain", "reply"), (m.Topic, m.QoS, m.Retain, m.PublisherId, m.ExpiresAtUnixMs, m.PayloadFormatIndicator, m.ContentType, m.ResponseTopic));
        Assert.Equal(0xF123_4567_89AB_CDEFUL, m.Id);
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
