using ClusterBroker.Protocol;
using ClusterBroker.Protocol.Packets;
using ClusterBroker.Transport.Internal;
using DotNetty.Buffers;
using DotNetty.Transport.Channels.Embedded;

namespace ClusterBroker.Transport.Tests;

/// <summary>The frame decoder alone, on an in-memory channel: every way of splitting the input.</summary>
public class FrameDecoder_Tests
{
    private static readonly byte[] s_stream = Packets.Concat(
        Packets.Connect311, Packets.Publish311("a/b", "hello"), Packets.PingReq, Packets.Publish311("c", ""));

    private static List<object> Feed(MqttFrameDecoder decoder, params byte[][] chunks)
    {
        var channel = new EmbeddedChannel(decoder);
        foreach (byte[] chunk in chunks)
            channel.WriteInbound(Unpooled.WrappedBuffer(chunk));
        var output = new List<object>();
        while (channel.ReadInbound<object>() is { } message)
            output.Add(message);
        channel.CloseAsync().Wait();
        return output;
    }

    private static void AssertDecodedStream(List<object> output)
    {
        Assert.Collection(output,
            p => Assert.Equal("a", Assert.IsType<ConnectPacket>(p).ClientId),
            p => Assert.Equal("a/b", Assert.IsType<PublishPacket>(p).Topic),
            p => Assert.IsType<PingReqPacket>(p),
            p => Assert.Equal("c", Assert.IsType<PublishPacket>(p).Topic));
    }

    [Fact]
    public void The_stream_decodes_the_same_whatever_byte_boundary_splits_it()
    {
        for (int split = 0; split <= s_stream.Length; split++)
        {
            List<object> output = Feed(new MqttFrameDecoder(1024), s_stream[..split], s_stream[split..]);
            AssertDecodedStream(output);
        }
    }

    [Fact]
    public void The_stream_decodes_when_every_byte_arrives_alone()
    {
        AssertDecodedStream(Feed(new MqttFrameDecoder(1024), s_stream.Select(b => new[] { b }).ToArray()));
    }

    [Fact]
    public void The_stream_decodes_when_split_in_three_at_every_pair_of_boundaries()
    {
        for (int a = 0; a <= s_stream.Length; a++)
        {
            for (int b = a; b <= s_stream.Length; b++)
                AssertDecodedStream(Feed(new MqttFrameDecoder(1024), s_stream[..a], s_stream[a..b], s_stream[b..]));
        }
    }

    [Fact]
    public void Payloads_own_their_memory_after_the_receive_buffer_is_reused()
    {
        byte[] input = Packets.Concat(Packets.Connect311, Packets.Publish311("t", "payload"));
        var decoder = new MqttFrameDecoder(1024);
        var channel = new EmbeddedChannel(decoder);
        channel.WriteInbound(Unpooled.WrappedBuffer(input));
        Array.Clear(input);
        channel.ReadInbound<object>();
        var publish = channel.ReadInbound<PublishPacket>();
        Assert.Equal("payload", System.Text.Encoding.UTF8.GetString(publish.Payload.Span));
    }

    [Fact]
    public void An_oversized_frame_is_rejected_from_its_fixed_header_alone()
    {
        // Fixed header announcing 16,384 bytes of remaining length, no body.
        List<object> output = Feed(new MqttFrameDecoder(1024), Packets.Connect311, [0x30, 0x80, 0x80, 0x01]);
        Assert.IsType<ConnectPacket>(output[0]);
        ProtocolViolation violation = Assert.IsType<ProtocolViolation>(output[1]);
        Assert.Equal(ReasonCode.PacketTooLarge, violation.ReasonCode);
        Assert.Equal(2, output.Count);
    }

    [Fact]
    public void A_remaining_length_of_five_bytes_is_malformed_MQTT_1_5_5()
    {
        List<object> output = Feed(new MqttFrameDecoder(int.MaxValue / 8), Packets.Connect311, [0x30, 0xFF, 0xFF, 0xFF, 0xFF, 0x01]);
        ProtocolViolation violation = Assert.IsType<ProtocolViolation>(output[1]);
        Assert.Equal(ReasonCode.MalformedPacket, violation.ReasonCode);
    }

    [Fact]
    public void Nothing_is_decoded_after_a_violation()
    {
        List<object> output = Feed(new MqttFrameDecoder(1024), [0x00, 0x00], Packets.Connect311, Packets.PingReq);
        Assert.IsType<ProtocolViolation>(Assert.Single(output));
    }

    [Fact]
    public void A_partial_frame_is_reported_until_it_completes()
    {
        var decoder = new MqttFrameDecoder(1024);
        var channel = new EmbeddedChannel(decoder);
        channel.WriteInbound(Unpooled.WrappedBuffer(Packets.Connect311[..1]));
        Assert.True(decoder.HasPartialFrame);
        channel.WriteInbound(Unpooled.WrappedBuffer(Packets.Connect311[1..5]));
        Assert.True(decoder.HasPartialFrame);
        channel.WriteInbound(Unpooled.WrappedBuffer(Packets.Connect311[5..]));
        Assert.False(decoder.HasPartialFrame);
        Assert.IsType<ConnectPacket>(channel.ReadInbound<object>());
    }
}
