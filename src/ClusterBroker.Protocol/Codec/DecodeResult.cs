using ClusterBroker.Protocol.Packets;

namespace ClusterBroker.Protocol.Codec;

/// <summary>
/// The result of decoding one frame: a packet (with the bytes it consumed), a protocol violation, or
/// a request for more data (with the total frame length once the fixed header is complete).
/// </summary>
public readonly struct DecodeResult
{
    private static readonly DecodeResult s_needMoreData = new(DecodeStatus.NeedMoreData, null, null, 0, null);

    private DecodeResult(DecodeStatus status, MqttPacket? packet, ProtocolViolation? violation, int bytesConsumed, int? frameLength)
    {
        Status = status;
        Packet = packet;
        Violation = violation;
        BytesConsumed = bytesConsumed;
        FrameLength = frameLength;
    }

    public DecodeStatus Status { get; }

    /// <summary>The decoded packet when <see cref="Status"/> is <see cref="DecodeStatus.Packet"/>.</summary>
    public MqttPacket? Packet { get; }

    /// <summary>Why the frame was rejected when <see cref="Status"/> is <see cref="DecodeStatus.Violation"/>.</summary>
    public ProtocolViolation? Violation { get; }

    /// <summary>Size of the whole frame (fixed header + remaining length) when a packet was decoded; otherwise 0.</summary>
    public int BytesConsumed { get; }

    /// <summary>
    /// When <see cref="Status"/> is <see cref="DecodeStatus.NeedMoreData"/> and the fixed header is
    /// complete: the total number of bytes of the frame, so that a transport can wait for exactly that.
    /// </summary>
    public int? FrameLength { get; }

    public static DecodeResult NeedMoreData() => s_needMoreData;

    public static DecodeResult NeedMoreData(int frameLength) => new(DecodeStatus.NeedMoreData, null, null, 0, frameLength);

    public static DecodeResult FromPacket(MqttPacket packet, int bytesConsumed)
    {
        ArgumentNullException.ThrowIfNull(packet);
        return new DecodeResult(DecodeStatus.Packet, packet, null, bytesConsumed, null);
    }

    public static DecodeResult FromViolation(ProtocolViolation violation)
    {
        ArgumentNullException.ThrowIfNull(violation);
        return new DecodeResult(DecodeStatus.Violation, null, violation, 0, null);
    }

    public override string ToString() => Status switch
    {
        DecodeStatus.Packet => $"Packet {Packet!.Type} ({BytesConsumed} bytes)",
        DecodeStatus.Violation => $"Violation {Violation}",
        _ => FrameLength is { } length ? $"NeedMoreData (frame of {length} bytes)" : "NeedMoreData",
    };
}
