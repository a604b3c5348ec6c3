using System.Buffers;
using ClusterBroker.Protocol.Codec;
using ClusterBroker.Protocol.Packets;
using static ClusterBroker.Protocol.Tests.CodecTestHelpers;

namespace ClusterBroker.Protocol.Tests;

/// <summary>Hand-written frames from the specifications, decoded and encoded, whole and split at every byte.</summary>
public class GoldenFrame_Tests
{
    public static IEnumerable<object[]> Frames() => GoldenFrames.Cases();

    private static ProtocolVersion? DecoderVersion(GoldenFrame frame) =>
        frame.Packet is ConnectPacket ? null : frame.Version;

    [Theory]
    [MemberData(nameof(Frames))]
    public void Each_golden_frame_decodes_to_its_packet(GoldenFrame frame)
    {
        var packet = DecodePacket(frame.Bytes, DecoderVersion(frame));
        PacketAssert.Equal(frame.Packet, packet);
    }

    [Theory]
    [MemberData(nameof(Frames))]
    public void Each_golden_packet_encodes_to_its_frame(GoldenFrame frame)
    {
        var encoded = Encode(frame.Packet, frame.Version);
        Assert.Equal(encoded.Length, MqttPacketEncoder.GetEncodedSize(frame.Packet, frame.Version));
        if (frame.Canonical)
        {
            Assert.Equal(Convert.ToHexString(frame.Bytes), Convert.ToHexString(encoded));
        }
    }

    [Theory]
    [MemberData(nameof(Frames))]
    public void Each_golden_frame_split_at_every_byte_boundary_decodes_the_same(GoldenFrame frame)
    {
        for (var cut = 1; cut < frame.Bytes.Length; cut++)
        {
            var result = NewDecoder(DecoderVersion(frame)).Decode(SplitAt(frame.Bytes, cut));
            Assert.True(result.Status == DecodeStatus.Packet, $"cut at {cut}: {result}");
            Assert.Equal(frame.Bytes.Length, result.BytesConsumed);
            PacketAssert.Equal(frame.Packet, result.Packet!);
        }

        // One byte per segment, the worst case.
        var bytes = new byte[frame.Bytes.Length][];
        for (var i = 0; i < bytes.Length; i++)
        {
            bytes[i] = [frame.Bytes[i]];
        }

        var single = NewDecoder(DecoderVersion(frame)).Decode(Segments(bytes));
        Assert.Equal(DecodeStatus.Packet, single.Status);
        PacketAssert.Equal(frame.Packet, single.Packet!);
    }

    [Theory]
    [MemberData(nameof(Frames))]
    public void Every_proper_prefix_of_a_golden_frame_needs_more_data(GoldenFrame frame)
    {
        var headerLength = frame.Bytes.Length - RemainingLength(frame.Bytes);
        for (var length = 0; length < frame.Bytes.Length; length++)
        {
            var result = NewDecoder(DecoderVersion(frame)).Decode(new ReadOnlySequence<byte>(frame.Bytes, 0, length));
            Assert.Equal(DecodeStatus.NeedMoreData, result.Status);
            Assert.Equal(0, result.BytesConsumed);
            Assert.Equal(length >= headerLength ? frame.Bytes.Length : null, result.FrameLength);
        }
    }

    [Theory]
    [MemberData(nameof(Frames))]
    public void A_golden_frame_followed_by_more_bytes_consumes_only_its_own(GoldenFrame frame)
    {
        var input = new byte[frame.Bytes.Length + 3];
        frame.Bytes.CopyTo(input, 0);
        input[^3] = 0xC0; // the start of a PINGREQ
        var result = NewDecoder(DecoderVersion(frame)).Decode(new ReadOnlySequence<byte>(input));
        Assert.Equal(DecodeStatus.Packet, result.Status);
        Assert.Equal(frame.Bytes.Length, result.BytesConsumed);
        PacketAssert.Equal(frame.Packet, result.Packet!);
    }

    [Fact]
    public void Golden_frames_cover_every_packet_type_in_every_version()
    {
        foreach (var version in new[] { ProtocolVersion.V310, ProtocolVersion.V311, ProtocolVersion.V500 })
        {
            foreach (var type in Enum.GetValues<PacketType>())
            {
                if (type == PacketType.Auth && version != ProtocolVersion.V500)
                {
                    continue;
                }

                Assert.Contains(GoldenFrames.All, f => f.Version == version && f.Packet.Type == type);
            }
        }
    }

    private static int RemainingLength(byte[] frame)
    {
        var value = 0;
        for (var i = 1; i < 5; i++)
        {
            value |= (frame[i] & 0x7F) << (7 * (i - 1));
            if ((frame[i] & 0x80) == 0)
            {
                break;
            }
        }

        return value;
    }
}
