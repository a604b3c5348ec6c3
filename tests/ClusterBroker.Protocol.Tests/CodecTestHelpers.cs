using System.Buffers;
using ClusterBroker.Protocol.Codec;
using ClusterBroker.Protocol.Packets;

namespace ClusterBroker.Protocol.Tests;

/// <summary>Encoding, decoding and segmenting helpers shared by the codec tests.</summary>
internal static class CodecTestHelpers
{
    public static byte[] Encode(MqttPacket packet, ProtocolVersion version)
    {
        var writer = new ArrayBufferWriter<byte>();
        MqttPacketEncoder.Encode(packet, version, writer);
        return writer.WrittenSpan.ToArray();
    }

    public static MqttPacketDecoder NewDecoder(ProtocolVersion? version) => new() { ProtocolVersion = version };

    public static DecodeResult Decode(byte[] frame, ProtocolVersion? version) =>
        NewDecoder(version).Decode(new ReadOnlySequence<byte>(frame));

    public static MqttPacket DecodePacket(byte[] frame, ProtocolVersion? version)
    {
        var result = Decode(frame, version);
        Assert.True(result.Status == DecodeStatus.Packet, $"Expected a packet, got {result}");
        Assert.Equal(frame.Length, result.BytesConsumed);
        return result.Packet!;
    }

    public static ProtocolViolation DecodeViolation(byte[] frame, ProtocolVersion? version)
    {
        var result = Decode(frame, version);
        Assert.True(result.Status == DecodeStatus.Violation, $"Expected a violation, got {result}");
        return result.Violation!;
    }

    /// <summary>A sequence of the given byte arrays as consecutive segments.</summary>
    public static ReadOnlySequence<byte> Segments(params byte[][] parts)
    {
        if (parts.Length == 1)
        {
            return new ReadOnlySequence<byte>(parts[0]);
        }

        var first = new Segment(parts[0], 0);
        var last = first;
        for (var i = 1; i < parts.Length; i++)
        {
            last = last.Append(parts[i]);
        }

        return new ReadOnlySequence<byte>(first, 0, last, last.Memory.Length);
    }

    /// <summary>The frame split at <paramref name="cut"/> into two segments (each its own array).</summary>
    public static ReadOnlySequence<byte> SplitAt(byte[] frame, int cut) =>
        Segments(frame.AsSpan(0, cut).ToArray(), frame.AsSpan(cut).ToArray());

    /// <summary>A frame from its first byte and its body (hex); the remaining length is encoded in front of the body.</summary>
    public static byte[] Frame(byte typeAndFlags, string bodyHex)
    {
        var body = Hex(bodyHex);
        var frame = new List<byte> { typeAndFlags };
        var length = body.Length;
        do
        {
            var b = (byte)(length % 128);
            length /= 128;
            frame.Add(length > 0 ? (byte)(b | 0x80) : b);
        }
        while (length > 0);
        frame.AddRange(body);
        return [.. frame];
    }

    /// <summary>Asserts that decoding <paramref name="frame"/> is refused with the reason code and the rule.</summary>
    public static ProtocolViolation AssertViolation(byte[] frame, ProtocolVersion? version, ReasonCode reasonCode, string rule)
    {
        var violation = DecodeViolation(frame, version);
        Assert.Equal(rule, violation.Rule);
        Assert.Equal(reasonCode, violation.ReasonCode);
        return violation;
    }

    public static byte[] Hex(string hex)
    {
        var clean = new System.Text.StringBuilder(hex.Length);
        foreach (var c in hex)
        {
            if (Uri.IsHexDigit(c))
            {
                clean.Append(c);
            }
        }

        return Convert.FromHexString(clean.ToString());
    }

    private sealed class Segment : ReadOnlySequenceSegment<byte>
    {
        public Segment(ReadOnlyMemory<byte> memory, long runningIndex)
        {
            Memory = memory;
            RunningIndex = runningIndex;
        }

        public Segment Append(ReadOnlyMemory<byte> memory)
        {
            var next = new Segment(memory, RunningIndex + Memory.Length);
            Next = next;
            return next;
        }
    }
}
