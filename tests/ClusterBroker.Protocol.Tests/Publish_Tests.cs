using System.Buffers;
using System.Runtime.InteropServices;
using ClusterBroker.Protocol.Codec;
using ClusterBroker.Protocol.Packets;
using static ClusterBroker.Protocol.Tests.CodecTestHelpers;

namespace ClusterBroker.Protocol.Tests;

/// <summary>PUBLISH rules (3.3), topic names (4.7) and payload memory ownership.</summary>
public class Publish_Tests
{
    [Theory]
    [InlineData(ProtocolVersion.V311, "00 03 61 2F 2B")]
    [InlineData(ProtocolVersion.V311, "00 01 23")]
    [InlineData(ProtocolVersion.V500, "00 03 61 2F 23 00")]
    public void A_wildcard_in_a_PUBLISH_topic_name_is_refused_MQTT_3_3_2_2(ProtocolVersion version, string topicAndProperties) =>
        AssertViolation(Frame(0x30, topicAndProperties), version, ReasonCode.TopicNameInvalid, "MQTT-3.3.2-2");

    [Fact]
    public void An_empty_topic_name_is_refused_MQTT_4_7_3_1() =>
        AssertViolation(Frame(0x30, "00 00 01 02"), ProtocolVersion.V311, ReasonCode.MalformedPacket, "MQTT-4.7.3-1");

    [Fact]
    public void An_empty_topic_name_without_a_topic_alias_is_a_protocol_error_in_5_0_MQTT_4_7_3_1() =>
        AssertViolation(Frame(0x30, "00 00 00"), ProtocolVersion.V500, ReasonCode.ProtocolError, "MQTT-4.7.3-1");

    [Fact]
    public void An_empty_topic_name_with_a_topic_alias_is_allowed_in_5_0()
    {
        var packet = (PublishPacket)DecodePacket(Frame(0x30, "00 00 03 23 00 07"), ProtocolVersion.V500);
        Assert.Equal(string.Empty, packet.Topic);
        Assert.Equal((ushort)7, packet.TopicAlias);
    }

    [Fact]
    public void Topic_names_are_not_validated_beyond_the_MQTT_rules()
    {
        // Leading and trailing separators, spaces, '$' and empty levels are all valid topic names.
        var packet = (PublishPacket)DecodePacket(Frame(0x30, "00 08 2F 24 20 2F 2F 61 2F 20"), ProtocolVersion.V311);
        Assert.Equal("/$ //a/ ", packet.Topic);
    }

    [Fact]
    public void A_topic_alias_of_0_is_refused_MQTT_3_3_2_8() =>
        AssertViolation(Frame(0x30, "00 01 74 03 23 00 00"), ProtocolVersion.V500, ReasonCode.TopicAliasInvalid, "MQTT-3.3.2-8");

    [Fact]
    public void A_response_topic_with_a_wildcard_is_a_protocol_error_MQTT_3_3_2_14() =>
        AssertViolation(Frame(0x30, "00 01 74 04 08 00 01 23"), ProtocolVersion.V500, ReasonCode.ProtocolError, "MQTT-3.3.2-14");

    [Theory]
    [InlineData(ProtocolVersion.V310, 0x32, "00 01 74 00 00", "MQTT-2.3.1-1")]
    [InlineData(ProtocolVersion.V311, 0x34, "00 01 74 00 00", "MQTT-2.3.1-1")]
    [InlineData(ProtocolVersion.V500, 0x32, "00 01 74 00 00 00", "MQTT-2.2.1-3")]
    [InlineData(ProtocolVersion.V311, 0x82, "00 00 00 01 74 00", "MQTT-2.3.1-1")]
    [InlineData(ProtocolVersion.V500, 0x82, "00 00 00 00 01 74 00", "MQTT-2.2.1-3")]
    [InlineData(ProtocolVersion.V311, 0xA2, "00 00 00 01 74", "MQTT-2.3.1-1")]
    [InlineData(ProtocolVersion.V311, 0x40, "00 00", "MQTT-2.3.1-1")]
    [InlineData(ProtocolVersion.V500, 0x50, "00 00", "MQTT-2.2.1-3")]
    [InlineData(ProtocolVersion.V311, 0x62, "00 00", "MQTT-2.3.1-1")]
    [InlineData(ProtocolVersion.V311, 0x70, "00 00", "MQTT-2.3.1-1")]
    [InlineData(ProtocolVersion.V311, 0x90, "00 00 00", "MQTT-2.3.1-1")]
    [InlineData(ProtocolVersion.V311, 0xB0, "00 00", "MQTT-2.3.1-1")]
    public void A_packet_identifier_of_0_is_a_protocol_error(ProtocolVersion version, byte first, string body, string rule) =>
        AssertViolation(Frame(first, body), version, ReasonCode.ProtocolError, rule);

    [Fact]
    public void A_QoS_1_PUBLISH_too_short_for_its_packet_identifier_is_malformed_MQTT_2_2_3() =>
        AssertViolation(Frame(0x32, "00 01 74 00"), ProtocolVersion.V311, ReasonCode.MalformedPacket, "MQTT-2.2.3");

    [Fact]
    public void A_topic_length_beyond_the_remaining_length_is_malformed_MQTT_2_2_3() =>
        AssertViolation(Frame(0x30, "00 05 74"), ProtocolVersion.V311, ReasonCode.MalformedPacket, "MQTT-2.2.3");

    [Fact]
    public void A_payload_decoded_from_one_segment_is_a_slice_of_the_input_not_a_copy()
    {
        var frame = Frame(0x30, "00 01 74 AA BB CC");
        var packet = (PublishPacket)DecodePacket(frame, ProtocolVersion.V311);
        Assert.True(MemoryMarshal.TryGetArray(packet.Payload, out var segment));
        Assert.Same(frame, segment.Array);
        Assert.Equal(5, segment.Offset);
        Assert.Equal(3, segment.Count);
    }

    [Fact]
    public void A_payload_decoded_from_several_segments_is_copied_into_its_own_array()
    {
        var frame = Frame(0x30, "00 01 74 AA BB CC");
        var first = frame[..4];
        var second = frame[4..];
        var result = NewDecoder(ProtocolVersion.V311).Decode(Segments(first, second));
        var packet = (PublishPacket)result.Packet!;
        Assert.Equal(new byte[] { 0xAA, 0xBB, 0xCC }, packet.Payload.ToArray());
        Assert.True(MemoryMarshal.TryGetArray(packet.Payload, out var segment));
        Assert.NotSame(first, segment.Array);
        Assert.NotSame(second, segment.Array);
        second[2] = 0; // the caller reusing its buffers does not change the packet
        Assert.Equal(0xBB, packet.Payload.Span[1]);
    }

    [Fact]
    public void Encoding_a_PUBLISH_header_writes_only_the_headers_and_counts_the_payload_in_the_remaining_length()
    {
        var packet = new PublishPacket { Topic = "a/b", QoS = QualityOfService.AtLeastOnce, PacketId = 1, Payload = new byte[300] };
        var writer = new ArrayBufferWriter<byte>();
        var written = MqttPacketEncoder.EncodePublishHeader(packet, ProtocolVersion.V311, writer);
        Assert.Equal("32B302000361" + "2F620001", Convert.ToHexString(writer.WrittenSpan)); // remaining length 307 = 0x33 + 2*128
        Assert.Equal(10, written);
        Assert.Equal(310, MqttPacketEncoder.GetEncodedSize(packet, ProtocolVersion.V311));
    }
}
