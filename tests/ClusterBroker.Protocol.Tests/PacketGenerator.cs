using System.Text;
using ClusterBroker.Protocol.Packets;

namespace ClusterBroker.Protocol.Tests;

/// <summary>
/// Generates random valid packets for a protocol version from a seeded <see cref="Random"/>: every
/// field a version can carry is exercised, each optional v5 property present about half the time.
/// </summary>
internal sealed class PacketGenerator
{
    private static readonly ReasonCode[] s_connAck5 = Codes(0x00, 0x80, 0x81, 0x82, 0x83, 0x84, 0x85, 0x86, 0x87, 0x88, 0x89, 0x8A, 0x8C, 0x90, 0x95, 0x97, 0x99, 0x9A, 0x9B, 0x9C, 0x9D, 0x9F);
    private static readonly ReasonCode[] s_connAck3 = Codes(0x00, 0x84, 0x85, 0x88, 0x86, 0x87);
    private static readonly ReasonCode[] s_pubAck = Codes(0x00, 0x10, 0x80, 0x83, 0x87, 0x90, 0x91, 0x97, 0x99);
    private static readonly ReasonCode[] s_pubRel = Codes(0x00, 0x92);
    private static readonly ReasonCode[] s_subAck5 = Codes(0x00, 0x01, 0x02, 0x80, 0x83, 0x87, 0x8F, 0x91, 0x97, 0x9E, 0xA1, 0xA2);
    private static readonly ReasonCode[] s_subAck3 = Codes(0x00, 0x01, 0x02, 0x80);
    private static readonly ReasonCode[] s_unsubAck = Codes(0x00, 0x11, 0x80, 0x83, 0x87, 0x8F, 0x91);
    private static readonly ReasonCode[] s_disconnect = Codes(0x00, 0x04, 0x80, 0x81, 0x82, 0x83, 0x87, 0x89, 0x8B, 0x8D, 0x8E, 0x8F, 0x90, 0x93, 0x94, 0x95, 0x96, 0x97, 0x98, 0x99, 0x9A, 0x9B, 0x9C, 0x9D, 0x9E, 0x9F, 0xA0, 0xA1, 0xA2);
    private static readonly ReasonCode[] s_auth = Codes(0x00, 0x18, 0x19);

    // Characters to build strings from: ASCII, Latin-1, CJK, an emoji (surrogate pair), and the BOM.
    private static readonly string[] s_pieces = ["a", "b", "Z", "0", "/", " ", "-", "é", "ß", "中", "文", "😀", "\uFEFF", "$", "x"];

    private readonly Random _random;
    private readonly ProtocolVersion _version;

    public PacketGenerator(Random random, ProtocolVersion version)
    {
        _random = random;
        _version = version;
    }

    private bool V5 => _version == ProtocolVersion.V500;

    public MqttPacket Next(PacketType type) => type switch
    {
        PacketType.Connect => Connect(),
        PacketType.ConnAck => ConnAck(),
        PacketType.Publish => Publish(),
        PacketType.PubAck => new PubAckPacket { PacketId = PacketId(), ReasonCode = V5 ? Pick(s_pubAck) : ReasonCode.Success, ReasonString = V5String(), UserProperties = V5Users() },
        PacketType.PubRec => new PubRecPacket { PacketId = PacketId(), ReasonCode = V5 ? Pick(s_pubAck) : ReasonCode.Success, ReasonString = V5String(), UserProperties = V5Users() },
        PacketType.PubRel => new PubRelPacket { PacketId = PacketId(), ReasonCode = V5 ? Pick(s_pubRel) : ReasonCode.Success, ReasonString = V5String(), UserProperties = V5Users() },
        PacketType.PubComp => new PubCompPacket { PacketId = PacketId(), ReasonCode = V5 ? Pick(s_pubRel) : ReasonCode.Success, ReasonString = V5String(), UserProperties = V5Users() },
        PacketType.Subscribe => Subscribe(),
        PacketType.SubAck => new SubAckPacket { PacketId = PacketId(), ReasonCodes = List(1, 6, () => Pick(V5 ? s_subAck5 : s_subAck3)), ReasonString = V5String(), UserProperties = V5Users() },
        PacketType.Unsubscribe => new UnsubscribePacket { PacketId = PacketId(), Filters = List(1, 5, Filter), UserProperties = V5Users() },
        PacketType.UnsubAck => new UnsubAckPacket
        {
            PacketId = PacketId(),
            ReasonCodes = V5 ? List(1, 6, () => Pick(s_unsubAck)) : null,
            ReasonString = V5String(),
            UserProperties = V5Users(),
        },
        PacketType.PingReq => PingReqPacket.Instance,
        PacketType.PingResp => PingRespPacket.Instance,
        PacketType.Disconnect => V5
            ? new DisconnectPacket
            {
                ReasonCode = Pick(s_disconnect),
                SessionExpiryInterval = Maybe(UInt32),
                ReasonString = V5String(),
                UserProperties = V5Users(),
                ServerReference = V5String(),
            }
            : DisconnectPacket.Normal,
        PacketType.Auth => new AuthPacket
        {
            ReasonCode = Pick(s_auth),
            AuthenticationMethod = V5String(),
            AuthenticationData = null,
            ReasonString = V5String(),
            UserProperties = V5Users(),
        } is var auth && auth.AuthenticationMethod is not null && Coin() ? auth with { AuthenticationData = (ReadOnlyMemory<byte>?)Bytes(0, 20) } : auth,
        _ => throw new ArgumentOutOfRangeException(nameof(type)),
    };

    private ConnectPacket Connect()
    {
        var cleanSession = Coin();
        var clientId = _version switch
        {
            ProtocolVersion.V310 => Text(1, 23, maxChars: true),
            ProtocolVersion.V311 => cleanSession && Coin() ? string.Empty : Text(1, 30),
            _ => Coin() ? string.Empty : Text(1, 30),
        };
        var username = Coin() ? Text(0, 12) : null;
        var password = (username is not null || V5) && Coin() ? Bytes(0, 16) : (ReadOnlyMemory<byte>?)null;
        WillMessage? will = null;
        if (Coin())
        {
            will = new WillMessage
            {
                Topic = TopicName(),
                Payload = Bytes(0, 40),
                QoS = (QualityOfService)_random.Next(3),
                Retain = Coin(),
                WillDelayInterval = V5 ? Maybe(UInt32) : null,
                PayloadFormatIndicator = V5 ? Maybe(() => (byte)_random.Next(2)) : null,
                MessageExpiryInterval = V5 ? Maybe(UInt32) : null,
                ContentType = V5String(),
                ResponseTopic = V5 && Coin() ? TopicName() : null,
                CorrelationData = V5 && Coin() ? Bytes(0, 16) : (ReadOnlyMemory<byte>?)null,
                UserProperties = V5Users(),
            };
        }

        var authMethod = V5String();
        return new ConnectPacket
        {
            ProtocolVersion = _version,
            ClientId = clientId,
            CleanSession = cleanSession,
            KeepAlive = (ushort)_random.Next(65536),
            Username = username,
            Password = password,
            Will = will,
            SessionExpiryInterval = V5 ? Maybe(UInt32) : null,
            ReceiveMaximum = V5 ? Maybe(() => (ushort)_random.Next(1, 65536)) : null,
            MaximumPacketSize = V5 ? Maybe(() => (uint)_random.Next(1, int.MaxValue)) : null,
            TopicAliasMaximum = V5 ? Maybe(() => (ushort)_random.Next(65536)) : null,
            RequestResponseInformation = V5 ? Maybe(Coin) : null,
            RequestProblemInformation = V5 ? Maybe(Coin) : null,
            AuthenticationMethod = authMethod,
            AuthenticationData = authMethod is not null && Coin() ? Bytes(0, 20) : (ReadOnlyMemory<byte>?)null,
            UserProperties = V5Users(),
        };
    }

    private ConnAckPacket ConnAck()
    {
        if (!V5)
        {
            var code = Pick(s_connAck3);
            return new ConnAckPacket { ReasonCode = code, SessionPresent = _version == ProtocolVersion.V311 && code == ReasonCode.Success && Coin() };
        }

        var reasonCode = Pick(s_connAck5);
        return new ConnAckPacket
        {
            ReasonCode = reasonCode,
            SessionPresent = reasonCode == ReasonCode.Success && Coin(),
            SessionExpiryInterval = Maybe(UInt32),
            ReceiveMaximum = Maybe(() => (ushort)_random.Next(1, 65536)),
            MaximumQoS = Maybe(() => (QualityOfService)_random.Next(2)),
            RetainAvailable = Maybe(Coin),
            MaximumPacketSize = Maybe(() => (uint)_random.Next(1, int.MaxValue)),
            AssignedClientIdentifier = V5String(),
            TopicAliasMaximum = Maybe(() => (ushort)_random.Next(65536)),
            ReasonString = V5String(),
            UserProperties = V5Users(),
            WildcardSubscriptionAvailable = Maybe(Coin),
            SubscriptionIdentifiersAvailable = Maybe(Coin),
            SharedSubscriptionAvailable = Maybe(Coin),
            ServerKeepAlive = Maybe(() => (ushort)_random.Next(65536)),
            ResponseInformation = V5String(),
            ServerReference = V5String(),
            AuthenticationMethod = V5String(),
            AuthenticationData = Coin() ? Bytes(0, 10) : (ReadOnlyMemory<byte>?)null,
        } is var connAck && connAck.AuthenticationMethod is null ? connAck with { AuthenticationData = null } : connAck;
    }

    private PublishPacket Publish()
    {
        var qos = (QualityOfService)_random.Next(3);
        ushort? alias = V5 ? Maybe(() => (ushort)_random.Next(1, 65536)) : null;
        return new PublishPacket
        {
            Topic = alias is not null && Coin() ? string.Empty : TopicName(),
            QoS = qos,
            Dup = qos != QualityOfService.AtMostOnce && Coin(),
            Retain = Coin(),
            PacketId = qos == QualityOfService.AtMostOnce ? (ushort)0 : PacketId(),
            Payload = _random.Next(10) == 0 ? Bytes(200, 20_000) : Bytes(0, 64),
            PayloadFormatIndicator = V5 ? Maybe(() => (byte)_random.Next(2)) : null,
            MessageExpiryInterval = V5 ? Maybe(UInt32) : null,
            TopicAlias = alias,
            ResponseTopic = V5 && Coin() ? TopicName() : null,
            CorrelationData = V5 && Coin() ? Bytes(0, 16) : (ReadOnlyMemory<byte>?)null,
            UserProperties = V5Users(),
            SubscriptionIdentifiers = V5 && Coin() ? List(1, 4, () => (uint)_random.Next(1, 268_435_456)) : null,
            ContentType = V5String(),
        };
    }

    private SubscribePacket Subscribe() => new()
    {
        PacketId = PacketId(),
        SubscriptionIdentifier = V5 ? Maybe(() => (uint)_random.Next(1, 268_435_456)) : null,
        UserProperties = V5Users(),
        Subscriptions = List(1, 5, () =>
        {
            var filter = Filter();
            return new TopicSubscription
            {
                Filter = filter,
                MaximumQoS = (QualityOfService)_random.Next(3),
                NoLocal = V5 && !filter.StartsWith("$share/", StringComparison.Ordinal) && Coin(),
                RetainAsPublished = V5 && Coin(),
                RetainHandling = V5 ? (RetainHandling)_random.Next(3) : RetainHandling.SendAtSubscribe,
            };
        }),
    };

    private string TopicName()
    {
        var levels = _random.Next(1, 5);
        var builder = new StringBuilder();
        for (var i = 0; i < levels; i++)
        {
            if (i > 0)
            {
                builder.Append('/');
            }

            builder.Append(Text(0, 8));
        }

        return builder.Length == 0 ? "t" : builder.ToString();
    }

    private string Filter()
    {
        var filter = _random.Next(6) switch
        {
            0 => "#",
            1 => TopicName() + "/+",
            2 => "+/" + TopicName() + "/#",
            3 => "$share/g" + _random.Next(10) + "/" + TopicName(),
            _ => TopicName(),
        };
        return filter;
    }

    private string Text(int minPieces, int maxPieces, bool maxChars = false)
    {
        var count = _random.Next(minPieces, maxPieces + 1);
        var builder = new StringBuilder();
        for (var i = 0; i < count; i++)
        {
            var piece = s_pieces[_random.Next(s_pieces.Length)];
            if (maxChars && builder.Length + piece.Length > maxPieces)
            {
                break;
            }

            builder.Append(piece);
        }

        if (builder.Length < minPieces)
        {
            builder.Append('c', minPieces - builder.Length);
        }

        return builder.ToString();
    }

    private string? V5String() => V5 && Coin() ? Text(0, 10) : null;

    private List<UserProperty>? V5Users() => V5 && Coin() ? List(1, 4, () => new UserProperty(Text(0, 6), Text(0, 6))) : null;

    private ushort PacketId() => (ushort)_random.Next(1, 65536);

    private uint UInt32() => (uint)_random.NextInt64(0, 1L << 32);

    private byte[] Bytes(int min, int max)
    {
        var bytes = new byte[_random.Next(min, max + 1)];
        _random.NextBytes(bytes);
        return bytes;
    }

    private bool Coin() => _random.Next(2) == 0;

    private T? Maybe<T>(Func<T> value)
        where T : struct => Coin() ? value() : null;

    private List<T> List<T>(int min, int max, Func<T> item)
    {
        var count = _random.Next(min, max + 1);
        var list = new List<T>(count);
        for (var i = 0; i < count; i++)
        {
            list.Add(item());
        }

        return list;
    }

    private T Pick<T>(T[] values) => values[_random.Next(values.Length)];

    private static ReasonCode[] Codes(params int[] codes) => Array.ConvertAll(codes, c => (ReasonCode)c);
}
