using System.Buffers;
using ClusterBroker.Protocol.Packets;

namespace ClusterBroker.Protocol.Codec;

/// <summary>
/// Decodes MQTT 3.1, 3.1.1 and 5.0 control packets from a byte stream, one frame per call.
/// </summary>
/// <remarks>
/// <para>
/// <see cref="Decode"/> looks at the start of its input and returns <see cref="DecodeStatus.NeedMoreData"/>
/// (with <see cref="DecodeResult.FrameLength"/> once the fixed header is complete), a packet and the
/// number of bytes it consumed, or a <see cref="ProtocolViolation"/> naming the rule broken and the
/// reason code to answer with. It never throws for any input, and checks the remaining length
/// against <see cref="MaximumPacketSize"/> as soon as the fixed header is complete, before the body
/// is buffered. A frame split at any byte boundary across segments decodes the same.
/// </para>
/// <para>
/// Memory ownership: when the frame lies in one segment of the input, the binary fields of the
/// decoded packet (<see cref="PublishPacket.Payload"/>, Correlation Data, Authentication Data,
/// the CONNECT password and Will payload) are slices of the input memory, not copies. A caller that
/// reuses its input buffer must therefore give each frame its own memory (the transport gives each
/// frame its own array). When the frame spans several segments, its body is copied into a new array
/// that the packet then owns.
/// </para>
/// <para>
/// A decoder belongs to one connection and is not thread-safe: it holds the connection's protocol
/// version and a small cache of recent PUBLISH topic names (<see cref="TopicNameCacheSize"/>).
/// </para>
/// <para>
/// The decoder is direction-agnostic (it decodes all fifteen packets), so rules that depend on who
/// sent a packet (a client sending CONNACK, a Subscription Identifier in a client's PUBLISH, a second
/// CONNECT) are for the channel to enforce. Topic filters are checked only for being non-empty; their
/// wildcard placement is left to the topic layer so that a SUBACK can refuse one filter.
/// </para>
/// </remarks>
public sealed partial class MqttPacketDecoder
{
    /// <summary>The largest packet MQTT can express: 1 + 4 + 268,435,455 bytes.</summary>
    public const int MaximumPossiblePacketSize = 268_435_460;

    /// <summary>The default of <see cref="TopicNameCacheSize"/>.</summary>
    public const int DefaultTopicNameCacheSize = 4;

    private int _maximumPacketSize;
    private int _topicNameCacheSize = DefaultTopicNameCacheSize;
    private TopicNameCache? _topicNameCache;

    /// <param name="maximumPacketSize">The largest TOTAL packet size accepted (fixed header + remaining length).</param>
    public MqttPacketDecoder(int maximumPacketSize = MaximumPossiblePacketSize)
    {
        MaximumPacketSize = maximumPacketSize;
    }

    /// <summary>The largest total packet size (fixed header + remaining length) accepted; larger frames are a Packet Too Large violation.</summary>
    public int MaximumPacketSize
    {
        get => _maximumPacketSize;
        set
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(value, 2);
            _maximumPacketSize = value;
        }
    }

    /// <summary>
    /// How many recent PUBLISH topic names (of at most 256 bytes) the decoder keeps so that repeated
    /// topics decode to the same string without allocating; 0 turns the cache off. The cache is
    /// created on the first PUBLISH (about 100 bytes per entry). Set it before decoding.
    /// </summary>
    public int TopicNameCacheSize
    {
        get => _topicNameCacheSize;
        set
        {
            ArgumentOutOfRangeException.ThrowIfNegative(value);
            ArgumentOutOfRangeException.ThrowIfGreaterThan(value, 64);
            _topicNameCacheSize = value;
            _topicNameCache = null;
        }
    }

    /// <summary>
    /// The protocol version of the connection: null until a CONNECT was decoded (decoding a CONNECT
    /// sets it from the protocol level); a packet other than CONNECT while it is null is a Protocol
    /// Error [MQTT-3.1.0-1]. A client-side user sets it before decoding the CONNACK.
    /// </summary>
    public ProtocolVersion? ProtocolVersion { get; set; }

    /// <summary>Decodes one packet from the start of <paramref name="input"/>.</summary>
    public DecodeResult Decode(in ReadOnlySequence<byte> input)
    {
        var available = input.Length;
        if (available < 2)
        {
            return DecodeResult.NeedMoreData();
        }

        // The fixed header is at most 5 bytes: the type/flags byte and up to four remaining-length bytes.
        var first = input.FirstSpan;
        var headerBytes = (int)Math.Min(5, available);
        if (first.Length >= headerBytes)
        {
            return DecodeWithHeader(input, first, available);
        }

        Span<byte> copy = stackalloc byte[5];
        input.Slice(0, headerBytes).CopyTo(copy);
        return DecodeWithHeader(input, copy.Slice(0, headerBytes), available);
    }

    private DecodeResult DecodeWithHeader(in ReadOnlySequence<byte> input, ReadOnlySpan<byte> header, long available)
    {
        var typeAndFlags = header[0];
        var type = (PacketType)(typeAndFlags >> 4);
        var flags = typeAndFlags & 0x0F;
        var version = ProtocolVersion;

        if (type == 0)
        {
            return Violation(ReasonCode.MalformedPacket, version == Protocol.ProtocolVersion.V500 ? "MQTT-2.1.2" : "MQTT-2.2.1",
                "Packet type 0 is reserved (forbidden).");
        }

        if (version is null && type != PacketType.Connect)
        {
            return Violation(ReasonCode.ProtocolError, "MQTT-3.1.0-1", $"The first packet sent on a connection must be CONNECT, not {type.ToString().ToUpperInvariant()}.");
        }

        if (type == PacketType.Auth && version != Protocol.ProtocolVersion.V500)
        {
            return Violation(ReasonCode.MalformedPacket, "MQTT-2.2.1", "Packet type 15 (AUTH) is reserved before MQTT 5.0.");
        }

        // Remaining Length: a Variable Byte Integer of at most four bytes.
        var remainingLength = 0;
        var headerLength = 0;
        for (var i = 1; ; i++)
        {
            if (i >= header.Length)
            {
                return DecodeResult.NeedMoreData();
            }

            var b = header[i];
            remainingLength |= (b & 0x7F) << (7 * (i - 1));
            if ((b & 0x80) == 0)
            {
                if (b == 0 && i > 1 && version == Protocol.ProtocolVersion.V500)
                {
                    return Violation(ReasonCode.MalformedPacket, "MQTT-1.5.5-1", "The Remaining Length is not encoded in the minimum number of bytes.");
                }

                headerLength = i + 1;
                break;
            }

            if (i == 4)
            {
                return Violation(ReasonCode.MalformedPacket, version == Protocol.ProtocolVersion.V500 ? "MQTT-1.5.5" : "MQTT-2.2.3",
                    "The Remaining Length is longer than four bytes.");
            }
        }

        var frameLength = (long)headerLength + remainingLength;
        if (frameLength > _maximumPacketSize)
        {
            return Violation(ReasonCode.PacketTooLarge, "MQTT-3.2.2-15",
                $"The packet of {frameLength} bytes exceeds the maximum packet size of {_maximumPacketSize} bytes.");
        }

        if (version is { } known && !CheckFixedHeaderFlags(type, flags, known, out var flagViolation))
        {
            return DecodeResult.FromViolation(flagViolation!);
        }

        if (available < frameLength)
        {
            return DecodeResult.NeedMoreData((int)frameLength);
        }

        // The body: a slice of the first segment when the whole frame lies in it, else a copy.
        ReadOnlyMemory<byte> body;
        var firstMemory = input.First;
        if (firstMemory.Length >= frameLength)
        {
            body = firstMemory.Slice(headerLength, remainingLength);
        }
        else
        {
            var copy = remainingLength == 0 ? [] : new byte[remainingLength];
            input.Slice(headerLength, remainingLength).CopyTo(copy);
            body = copy;
        }

        var reader = new MqttReader(body, version ?? Protocol.ProtocolVersion.V311);
        var packet = DecodeBody(ref reader, type, flags);
        if (packet is null)
        {
            return DecodeResult.FromViolation(reader.Violation ?? new ProtocolViolation(ReasonCode.MalformedPacket, "MQTT-2.1", "The packet could not be decoded."));
        }

        if (packet is ConnectPacket connect)
        {
            ProtocolVersion = connect.ProtocolVersion;
        }

        return DecodeResult.FromPacket(packet, (int)frameLength);
    }

    private MqttPacket? DecodeBody(ref MqttReader reader, PacketType type, int flags) => type switch
    {
        PacketType.Connect => DecodeConnect(ref reader, flags),
        PacketType.ConnAck => DecodeConnAck(ref reader),
        PacketType.Publish => DecodePublish(ref reader, flags),
        PacketType.PubAck or PacketType.PubRec or PacketType.PubRel or PacketType.PubComp => DecodePacketIdentifierAck(ref reader, type),
        PacketType.Subscribe => DecodeSubscribe(ref reader),
        PacketType.SubAck => DecodeSubAck(ref reader),
        PacketType.Unsubscribe => DecodeUnsubscribe(ref reader),
        PacketType.UnsubAck => DecodeUnsubAck(ref reader),
        PacketType.PingReq => DecodeEmpty(ref reader, PingReqPacket.Instance, "PINGREQ"),
        PacketType.PingResp => DecodeEmpty(ref reader, PingRespPacket.Instance, "PINGRESP"),
        PacketType.Disconnect => DecodeDisconnect(ref reader),
        PacketType.Auth => DecodeAuth(ref reader),
        _ => null,
    };

    /// <summary>Checks bits 3-0 of the fixed header (2.1.3 in 5.0, 2.2.2 in 3.1.1; 3.1 constrains only the QoS of PUBREL, SUBSCRIBE and UNSUBSCRIBE).</summary>
    internal static bool CheckFixedHeaderFlags(PacketType type, int flags, ProtocolVersion version, out ProtocolViolation? violation)
    {
        violation = null;
        var v5 = version == Protocol.ProtocolVersion.V500;
        switch (type)
        {
            case PacketType.Publish:
                var qos = (flags >> 1) & 0x03;
                if (qos == 3)
                {
                    violation = new ProtocolViolation(ReasonCode.MalformedPacket, "MQTT-3.3.1-4", "A PUBLISH packet has both QoS bits set to 1 (QoS 3).");
                    return false;
                }

                if (qos == 0 && (flags & 0x08) != 0)
                {
                    violation = new ProtocolViolation(ReasonCode.ProtocolError, "MQTT-3.3.1-2", "The DUP flag is set on a QoS 0 PUBLISH.");
                    return false;
                }

                return true;
            case PacketType.PubRel:
            case PacketType.Subscribe:
            case PacketType.Unsubscribe:
                var ok = version == Protocol.ProtocolVersion.V310 ? (flags & 0x07) == 0x02 : flags == 0x02;
                if (!ok)
                {
                    var rule = type switch
                    {
                        PacketType.PubRel => "MQTT-3.6.1-1",
                        PacketType.Subscribe => "MQTT-3.8.1-1",
                        _ => "MQTT-3.10.1-1",
                    };
                    violation = new ProtocolViolation(ReasonCode.MalformedPacket, rule,
                        $"The fixed header flags of {type.ToString().ToUpperInvariant()} must be 0010, not {Convert.ToString(flags, 2).PadLeft(4, '0')}.");
                    return false;
                }

                return true;
            case PacketType.Connect:
                // 3.1 (MQIsdp) leaves these bits "not used"; the level is checked in DecodeConnect.
                return true;
            default:
                if (flags != 0 && version != Protocol.ProtocolVersion.V310)
                {
                    violation = new ProtocolViolation(ReasonCode.MalformedPacket, v5 ? "MQTT-2.1.3-1" : "MQTT-2.2.2-1",
                        $"The reserved fixed header flags of {type.ToString().ToUpperInvariant()} must be 0000, not {Convert.ToString(flags, 2).PadLeft(4, '0')}.");
                    return false;
                }

                return true;
        }
    }

    private static DecodeResult Violation(ReasonCode reasonCode, string rule, string message) =>
        DecodeResult.FromViolation(new ProtocolViolation(reasonCode, rule, message));

    private static MqttPacket? DecodeEmpty(ref MqttReader reader, MqttPacket packet, string name) =>
        reader.ExpectEnd(name) ? packet : null;

    private static string PacketIdRule(ref MqttReader reader) => reader.Rule("MQTT-2.2.1-3", "MQTT-2.3.1-1");

    private static bool ReadPacketId(ref MqttReader reader, out ushort packetId, string packet)
    {
        if (!reader.ReadUInt16(out packetId, "Packet Identifier"))
        {
            return false;
        }

        return packetId != 0 || reader.Fail(ReasonCode.ProtocolError, PacketIdRule(ref reader), $"The {packet} has a Packet Identifier of 0; identifiers are non-zero.");
    }
}
