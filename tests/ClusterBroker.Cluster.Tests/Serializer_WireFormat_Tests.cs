using Akka.Actor;
using Akka.Serialization;
using ClusterBroker.Cluster.Messages;
using ClusterBroker.Cluster.Serialization;
using ClusterBroker.Core.Messages;
using ClusterBroker.Core.Routing;
using ClusterBroker.Protocol;

namespace ClusterBroker.Cluster.Tests;

/// <summary>
/// Pins the wire format of every message <see cref="ClusterBrokerSerializer"/> handles: nodes of two versions
/// meet during a rolling upgrade, so the manifest and the bytes of each message must not change by accident.
/// The golden hex strings were captured from the serializer of layout version 4; a deliberate change of the
/// format needs a new layout version and new golden strings.
/// </summary>
public class Serializer_WireFormat_Tests : Akka.TestKit.Xunit2.TestKit
{
    private const string SystemName = "serializer-wire-tests";

    // A path no actor has: it resolves to the same reference on every run (TestActor's path carries a random uid).
    private const string NodePath = "akka://" + SystemName + "/user/broker-node";

    public Serializer_WireFormat_Tests()
        : base(ClusterTestConfig.Serialization, SystemName)
    {
    }

    private IActorRef Node => ((ExtendedActorSystem)Sys).Provider.ResolveActorRef(NodePath);

    private static readonly Akka.Cluster.UniqueAddress Origin = new(new Address("akka.tcp", "cluster-broker", "127.0.0.1", 2551), 12345);

    private static BrokerMessage FullMessage() => new()
    {
        Id = 0xF123_4567_89AB_CDEF,
        Topic = "a/b/ü",
        Payload = new byte[] { 1, 2, 3 },
        QoS = QualityOfService.ExactlyOnce,
        Retain = true,
        Replayed = true,
        PublisherId = "pub",
        ExpiresAtUnixMs = 1234567,
        PayloadFormatIndicator = 1,
        ContentType = "text/plain",
        ResponseTopic = "reply",
        CorrelationData = new byte[] { 9 },
        UserProperties = [new UserProperty("k", "v"), new UserProperty("k2", "")],
    };

    private static Subscription[] FullSubscriptions() =>
        [new Subscription("$share/g/t", QualityOfService.AtLeastOnce, true, true, RetainHandling.DoNotSend, 7), new Subscription("x/#", QualityOfService.AtMostOnce)];

    private static SessionSnapshot FullSnapshot() => new(
        FullSubscriptions(),
        [new InflightMessage(5, new QueuedMessage(FullMessage(), QualityOfService.AtLeastOnce, false, [1u, 2u]), true)],
        [new QueuedMessage(new BrokerMessage { Topic = "q" }, QualityOfService.AtLeastOnce, true, null)],
        [3, 4]);

    /// <summary>One name per case; <see cref="Build"/> makes the message (it needs the test's actor system).</summary>
    public static IEnumerable<object[]> Cases() => Golden.Keys.Select(name => new object[] { name });

    private object Build(string name) => name switch
    {
        "AttachSession" => new AttachSession("c", true, 5, Node, 30, new PendingWill(FullMessage(), 4)),
        "AttachSession without will" => new AttachSession("c", false, 5, Node),
        "DetachSession" => new DetachSession("c", 42, Node, 60, FullSnapshot(), new PendingWill(FullMessage(), 30)),
        "EnqueueMessage" => new EnqueueMessage("c", new QueuedMessage(FullMessage(), QualityOfService.AtLeastOnce, false, [3u])),
        "EnqueueMessage bounced" => new EnqueueMessage("c", new QueuedMessage(FullMessage(), QualityOfService.AtLeastOnce, false, null), Node, 7),
        "MessagePart" => new MessagePart("c", 77, 2, true, "SD", new byte[] { 1, 2, 3 }),
        "SessionAttached" => new SessionAttached("c", 42, true, 60, FullSnapshot()),
        "DisconnectConnection" => new DisconnectConnection("c", 9, ReasonCode.SessionTakenOver),
        "ConnectionClosed" => new ConnectionClosed("c", 9),
        "DeliverToConnection" => new DeliverToConnection(9, "c", new QueuedMessage(FullMessage(), QualityOfService.ExactlyOnce, true, null)),
        "PublishWill" => new PublishWill("c", FullMessage()),
        "ForgetSession" => new ForgetSession("c"),
        "ReportConnections" => new ReportConnections(3, 64),
        "ConnectionsReport" => new ConnectionsReport([new ConnectionEntry("a", 1), new ConnectionEntry("b", 2, true)]),
        "ClaimClientId" => new ClaimClientId("c", 5, Node),
        "ClientIdClaimed" => new ClientIdClaimed("c", 4, false),
        "ReleaseClientId" => new ReleaseClientId("c", 5, Node),
        "RouteDelta" => new RouteDelta(Origin, 5, [new RouteChange(true, new RouteKey("a/+")), new RouteChange(false, new RouteKey("b/#", "g"))]),
        "RouteSnapshotPart" => new RouteSnapshotPart(Origin, 6, true, [new RouteKey("x"), new RouteKey("y", "$queue")]),
        "RequestRouteSnapshot" => new RequestRouteSnapshot(Origin),
        "ForwardBatch" => new ForwardBatch([new ForwardedMessage(FullMessage(), true, null), new ForwardedMessage(FullMessage(), false, [new RouteKey("t", "g")], 2)]),
        "ForwardMarker" => new ForwardMarker(42),
        "RestoreSession" => new RestoreSession("c", Node, new SessionRecord(true, 3, 99, new PendingWill(FullMessage(), 4), 100, FullSnapshot())),
        "RestoreSession without node" => new RestoreSession("c", null, new SessionRecord(false, null, 0, null, 0, SessionSnapshot.Empty)),
        "SessionEndpointMoved" => new SessionEndpointMoved("c", Node),
        "HostSessionEndpoint" => new HostSessionEndpoint("c", FullSubscriptions()),
        "PersistentSessionExists" => new PersistentSessionExists("c"),
        "PersistentSessionEnded" => new PersistentSessionEnded("c"),
        "SessionAttachConfirmed" => new SessionAttachConfirmed("c", 11),
        "RoutesApplied" => new RoutesApplied(Origin, 8),
        "SessionRoutesReady" => new SessionRoutesReady("c", 12),
        "SessionSubscriptionsChanged" => new SessionSubscriptionsChanged("c", 13, Node, 60, FullSubscriptions(), 14),
        "RecoverSession" => new RecoverSession("c", "akka.tcp://cluster-broker@127.0.0.1:2552"),
        "SubscriptionsStored" => new SubscriptionsStored("c", 15),
        "ReplayToSession" => new ReplayToSession("akka.tcp://cluster-broker@127.0.0.1:2552", "c", FullSubscriptions()),
        "AwaitHostedRoutes" => new AwaitHostedRoutes(3),
        "HostedRoutesPropagated" => new HostedRoutesPropagated(true),
        "QuerySessionQueue" => new QuerySessionQueue("c"),
        "SessionQueueReport" => new SessionQueueReport("c", true, false, 12, 3),
        _ => throw new ArgumentOutOfRangeException(nameof(name)),
    };

    /// <summary>Case name: the manifest and the bytes of ToBinary (layout version first) as hex.</summary>
    private static readonly Dictionary<string, (string Manifest, string Hex)> Golden = new()
    {
        ["AttachSession"] = ("SA", "0401630105000000000000002D616B6B613A2F2F73657269616C697A65722D776972652D74657374732F757365722F62726F6B65722D6E6F64651E0000000106612F622FC3BC030000000102030203EFCDAB89674523F1010370756287D61200000000000101010A746578742F706C61696E01057265706C7901010000000902000000016B0176026B320004000000"),
        ["AttachSession without will"] = ("SA", "0401630005000000000000002D616B6B613A2F2F73657269616C697A65722D776972652D74657374732F757365722F62726F6B65722D6E6F64650000000000"),
        ["DetachSession"] = ("SD", "0401632A000000000000002D616B6B613A2F2F73657269616C697A65722D776972652D74657374732F757365722F62726F6B65722D6E6F64653C000000020000000A2473686172652F672F7401010102010700000003782F2300000000000100000005000106612F622FC3BC030000000102030203EFCDAB89674523F1010370756287D61200000000000101010A746578742F706C61696E01057265706C7901010000000902000000016B0176026B32000100020000000100000002000000010000000171000000000000000000000000000000000000000000000000000000FFFFFFFF0101FFFFFFFF02000000030004000106612F622FC3BC030000000102030203EFCDAB89674523F1010370756287D61200000000000101010A746578742F706C61696E01057265706C7901010000000902000000016B0176026B32001E000000"),
        ["EnqueueMessage"] = ("SE", "04016306612F622FC3BC030000000102030203EFCDAB89674523F1010370756287D61200000000000101010A746578742F706C61696E01057265706C7901010000000902000000016B0176026B32000100010000000300000000"),
        ["EnqueueMessage bounced"] = ("SE", "04016306612F622FC3BC030000000102030203EFCDAB89674523F1010370756287D61200000000000101010A746578742F706C61696E01057265706C7901010000000902000000016B0176026B32000100FFFFFFFF012D616B6B613A2F2F73657269616C697A65722D776972652D74657374732F757365722F62726F6B65722D6E6F64650700000000000000"),
        ["MessagePart"] = ("SP", "0401634D00000000000000020000000102534403000000010203"),
        ["SessionAttached"] = ("NA", "0401632A00000000000000013C000000020000000A2473686172652F672F7401010102010700000003782F2300000000000100000005000106612F622FC3BC030000000102030203EFCDAB89674523F1010370756287D61200000000000101010A746578742F706C61696E01057265706C7901010000000902000000016B0176026B32000100020000000100000002000000010000000171000000000000000000000000000000000000000000000000000000FFFFFFFF0101FFFFFFFF0200000003000400"),
        ["DisconnectConnection"] = ("ND", "04016309000000000000008E"),
        ["ConnectionClosed"] = ("NC", "0401630900000000000000"),
        ["DeliverToConnection"] = ("NM", "040900000000000000016306612F622FC3BC030000000102030203EFCDAB89674523F1010370756287D61200000000000101010A746578742F706C61696E01057265706C7901010000000902000000016B0176026B32000201FFFFFFFF"),
        ["PublishWill"] = ("NW", "04016306612F622FC3BC030000000102030203EFCDAB89674523F1010370756287D61200000000000101010A746578742F706C61696E01057265706C7901010000000902000000016B0176026B3200"),
        ["ForgetSession"] = ("NF", "040163"),
        ["ReportConnections"] = ("NR", "040300000040000000"),
        ["ConnectionsReport"] = ("NL", "040200000001610100000000000000000162020000000000000001"),
        ["ClaimClientId"] = ("CC", "04016305000000000000002D616B6B613A2F2F73657269616C697A65722D776972652D74657374732F757365722F62726F6B65722D6E6F6465"),
        ["ClientIdClaimed"] = ("CD", "040163040000000000000000"),
        ["ReleaseClientId"] = ("CR", "04016305000000000000002D616B6B613A2F2F73657269616C697A65722D776972652D74657374732F757365722F62726F6B65722D6E6F6465"),
        ["RouteDelta"] = ("RD", "0428616B6B612E7463703A2F2F636C75737465722D62726F6B6572403132372E302E302E313A32353531393000000500000000000000020000000103612F2B000003622F23010167"),
        ["RouteSnapshotPart"] = ("RS", "0428616B6B612E7463703A2F2F636C75737465722D62726F6B6572403132372E302E302E313A32353531393000000600000000000000010200000001780001790106247175657565"),
        ["RequestRouteSnapshot"] = ("RQ", "0428616B6B612E7463703A2F2F636C75737465722D62726F6B6572403132372E302E302E313A3235353139300000"),
        ["ForwardBatch"] = ("FB", "040200000006612F622FC3BC030000000102030203EFCDAB89674523F1010370756287D61200000000000101010A746578742F706C61696E01057265706C7901010000000902000000016B0176026B320001FFFFFFFF0006612F622FC3BC030000000102030203EFCDAB89674523F1010370756287D61200000000000101010A746578742F706C61696E01057265706C7901010000000902000000016B0176026B32000001000000017401016702"),
        ["ForwardMarker"] = ("FM", "042A00000000000000"),
        ["RestoreSession"] = ("SX", "040163012D616B6B613A2F2F73657269616C697A65722D776972652D74657374732F757365722F62726F6B65722D6E6F646501030000000000000063000000000000000106612F622FC3BC030000000102030203EFCDAB89674523F1010370756287D61200000000000101010A746578742F706C61696E01057265706C7901010000000902000000016B0176026B3200040000006400000000000000020000000A2473686172652F672F7401010102010700000003782F2300000000000100000005000106612F622FC3BC030000000102030203EFCDAB89674523F1010370756287D61200000000000101010A746578742F706C61696E01057265706C7901010000000902000000016B0176026B32000100020000000100000002000000010000000171000000000000000000000000000000000000000000000000000000FFFFFFFF0101FFFFFFFF0200000003000400"),
        ["RestoreSession without node"] = ("SX", "0401630000FFFFFFFFFFFFFFFF000000000000000000000000000000000000000000000000000000000000000000"),
        ["SessionEndpointMoved"] = ("SM", "0401632D616B6B613A2F2F73657269616C697A65722D776972652D74657374732F757365722F62726F6B65722D6E6F6465"),
        ["HostSessionEndpoint"] = ("NH", "040163020000000A2473686172652F672F7401010102010700000003782F230000000000"),
        ["PersistentSessionExists"] = ("CP", "040163"),
        ["PersistentSessionEnded"] = ("CE", "040163"),
        ["SessionAttachConfirmed"] = ("SC", "0401630B00000000000000"),
        ["RoutesApplied"] = ("RA", "0428616B6B612E7463703A2F2F636C75737465722D62726F6B6572403132372E302E302E313A32353531393000000800000000000000"),
        ["SessionRoutesReady"] = ("SY", "0401630C00000000000000"),
        ["SessionSubscriptionsChanged"] = ("SU", "0401630D000000000000002D616B6B613A2F2F73657269616C697A65722D776972652D74657374732F757365722F62726F6B65722D6E6F64653C000000020000000A2473686172652F672F7401010102010700000003782F2300000000000E00000000000000"),
        ["RecoverSession"] = ("SR", "04016328616B6B612E7463703A2F2F636C75737465722D62726F6B6572403132372E302E302E313A32353532"),
        ["SubscriptionsStored"] = ("NS", "0401630F00000000000000"),
        ["ReplayToSession"] = ("NQ", "0428616B6B612E7463703A2F2F636C75737465722D62726F6B6572403132372E302E302E313A323535320163020000000A2473686172652F672F7401010102010700000003782F230000000000"),
        ["AwaitHostedRoutes"] = ("NB", "0403000000"),
        ["HostedRoutesPropagated"] = ("NP", "0401"),
        ["QuerySessionQueue"] = ("SQ", "040163"),
        ["SessionQueueReport"] = ("SK", "04016301000C00000003000000"),
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void The_manifest_and_bytes_of_every_message_are_unchanged(string name)
    {
        object message = Build(name);
        var serializer = (SerializerWithStringManifest)Sys.Serialization.FindSerializerFor(message);
        Assert.IsType<ClusterBrokerSerializer>(serializer);
        (string manifest, string hex) = Golden[name];
        Assert.Equal(manifest, serializer.Manifest(message));
        Assert.Equal(hex, Convert.ToHexString(serializer.ToBinary(message)));
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void The_golden_bytes_of_every_message_read_back_and_write_the_same_bytes(string name)
    {
        var serializer = (ClusterBrokerSerializer)Sys.Serialization.FindSerializerFor(Build(name));
        (string manifest, string hex) = Golden[name];
        object back = serializer.FromBinary(Convert.FromHexString(hex), manifest);
        Assert.Equal(Build(name).GetType(), back.GetType());
        Assert.Equal(hex, Convert.ToHexString(serializer.ToBinary(back)));
    }

    [Fact]
    public void A_forward_link_frame_is_its_length_the_kind_and_the_same_bytes()
    {
        object message = Build("ForwardBatch");
        var serializer = (ClusterBrokerSerializer)Sys.Serialization.FindSerializerFor(message);
        byte[] body = Convert.FromHexString(Golden["ForwardBatch"].Hex);
        byte[] frame = serializer.ToFrame(3, message);
        Assert.Equal(body.Length + 1, System.Buffers.Binary.BinaryPrimitives.ReadInt32BigEndian(frame));
        Assert.Equal(3, frame[4]);
        Assert.Equal(body, frame[5..]);
    }

    [Fact]
    public void Every_cross_node_message_type_has_a_golden_case()
    {
        var covered = Golden.Keys.Select(name => Build(name).GetType()).ToHashSet();
        Type[] missing = typeof(IClusterBrokerMessage).Assembly.GetTypes()
            .Where(t => typeof(IClusterBrokerMessage).IsAssignableFrom(t) && t is { IsInterface: false, IsAbstract: false } && !covered.Contains(t))
            .ToArray();
        Assert.Empty(missing);
    }

    [Fact]
    public void The_layout_version_and_serializer_id_are_unchanged()
    {
        Assert.Equal(4, ClusterBrokerSerializer.LayoutVersion);
        Assert.Equal(7311, ClusterBrokerSerializer.SerializerId);
        Assert.Equal("FB", ClusterBrokerSerializer.ForwardManifest);
        Assert.Equal("FM", ClusterBrokerSerializer.MarkerManifest);
    }

    [Fact]
    public void An_unknown_manifest_and_a_truncated_message_are_refused_with_clear_errors()
    {
        var serializer = (ClusterBrokerSerializer)Sys.Serialization.FindSerializerFor(new ForgetSession("c"));
        var unknown = Assert.Throws<System.Runtime.Serialization.SerializationException>(() => serializer.FromBinary(new byte[] { ClusterBrokerSerializer.LayoutVersion }, "ZZ"));
        Assert.Equal("Unknown manifest 'ZZ'.", unknown.Message);
        byte[] bytes = Convert.FromHexString(Golden["ForwardBatch"].Hex);
        var truncated = Assert.Throws<System.Runtime.Serialization.SerializationException>(() => serializer.FromBinary(bytes[..^3], "FB"));
        Assert.Equal("Truncated message with manifest 'FB'.", truncated.Message);
        var version = Assert.Throws<System.Runtime.Serialization.SerializationException>(() => serializer.FromBinary(new byte[] { 3, 0 }, "SF"));
        Assert.Equal("Unknown layout version 3 for manifest SF (this node reads version 4).", version.Message);
        var type = Assert.Throws<ArgumentException>(() => serializer.ToBinary("not a message"));
        Assert.StartsWith("Cannot serialize System.String.", type.Message);
        Assert.Throws<ArgumentException>(() => serializer.Manifest("not a message"));
    }
}
