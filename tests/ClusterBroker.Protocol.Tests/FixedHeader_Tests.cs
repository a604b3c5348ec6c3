using System.Buffers;
using ClusterBroker.Protocol.Codec;
using ClusterBroker.Protocol.Packets;
using static ClusterBroker.Protocol.Tests.CodecTestHelpers;

namespace ClusterBroker.Protocol.Tests;

/// <summary>Fixed header rules: packet type, flags (2.1.3 / 2.2.2), remaining length, the first packet and the size limit.</summary>
public class FixedHeader_Tests
{
    private const ProtocolVersion V310 = ProtocolVersion.V310;
    private const ProtocolVersion V311 = ProtocolVersion.V311;
    private const ProtocolVersion V500 = ProtocolVersion.V500;

    [Fact]
    public void Packet_type_0_is_reserved_and_malformed_MQTT_2_2_1() =>
        AssertViolation(Hex("00 00"), V311, ReasonCode.MalformedPacket, "MQTT-2.2.1");

    [Fact]
    public void A_first_packet_other_than_CONNECT_is_a_protocol_error_MQTT_3_1_0_1() =>
        AssertViolation(Hex("C0 00"), null, ReasonCode.ProtocolError, "MQTT-3.1.0-1");

    [Fact]
    public void A_first_packet_other_than_CONNECT_is_refused_before_its_body_arrives_MQTT_3_1_0_1() =>
        AssertViolation(Hex("30 7F"), null, ReasonCode.ProtocolError, "MQTT-3.1.0-1");

    [Fact]
    public void AUTH_before_MQTT_5_is_a_reserved_packet_type_MQTT_2_2_1() =>
        AssertViolation(Hex("F0 00"), V311, ReasonCode.MalformedPacket, "MQTT-2.2.1");

    [Fact]
    public void A_remaining_length_of_more_than_four_bytes_is_malformed_MQTT_2_2_3() =>
        AssertViolation(Hex("30 FF FF FF FF 01"), V311, ReasonCode.MalformedPacket, "MQTT-2.2.3");

    [Fact]
    public void A_remaining_length_of_more_than_four_bytes_is_malformed_in_5_0_MQTT_1_5_5() =>
        AssertViolation(Hex("30 80 80 80 80 01"), V500, ReasonCode.MalformedPacket, "MQTT-1.5.5");

    [Fact]
    public void A_remaining_length_not_in_the_minimum_number_of_bytes_is_malformed_in_5_0_MQTT_1_5_5_1() =>
        AssertViolation(Hex("C0 80 00"), V500, ReasonCode.MalformedPacket, "MQTT-1.5.5-1");

    [Fact]
    public void A_remaining_length_not_in_the_minimum_number_of_bytes_is_accepted_in_3_1_1_which_has_no_such_rule()
    {
        var result = Decode(Hex("C0 80 00"), V311);
        Assert.Equal(DecodeStatus.Packet, result.Status);
        Assert.Equal(3, result.BytesConsumed);
    }

    [Theory]
    [InlineData(V311, "MQTT-2.2.2-1")]
    [InlineData(V500, "MQTT-2.1.3-1")]
    public void Reserved_flags_of_PUBACK_must_be_0000(ProtocolVersion version, string rule) =>
        AssertViolation(Hex("41 02 00 01"), version, ReasonCode.MalformedPacket, rule);

    [Theory]
    [InlineData("D1 00")]
    [InlineData("E8 00")]
    [InlineData("24 02 00 00")]
    [InlineData("B2 02 00 01")]
    public void Reserved_flags_of_other_packets_must_be_0000_MQTT_2_2_2_1(string hex) =>
        AssertViolation(Hex(hex), V311, ReasonCode.MalformedPacket, "MQTT-2.2.2-1");

    [Theory]
    [InlineData(V311)]
    [InlineData(V500)]
    public void PUBREL_flags_other_than_0010_are_malformed_MQTT_3_6_1_1(ProtocolVersion version) =>
        AssertViolation(Hex("60 02 00 01"), version, ReasonCode.MalformedPacket, "MQTT-3.6.1-1");

    [Theory]
    [InlineData(V311, 0x80)]
    [InlineData(V311, 0x83)]
    [InlineData(V500, 0x8A)]
    public void SUBSCRIBE_flags_other_than_0010_are_malformed_MQTT_3_8_1_1(ProtocolVersion version, byte first) =>
        AssertViolation(Frame(first, version == V500 ? "00 0A 00 00 03 61 2F 2B 01" : "00 0A 00 03 61 2F 2B 01"), version, ReasonCode.MalformedPacket, "MQTT-3.8.1-1");

    [Fact]
    public void UNSUBSCRIBE_flags_other_than_0010_are_malformed_MQTT_3_10_1_1() =>
        AssertViolation(Frame(0xA0, "00 02 00 03 61 2F 23"), V311, ReasonCode.MalformedPacket, "MQTT-3.10.1-1");

    [Fact]
    public void MQTT_3_1_allows_the_DUP_flag_on_a_retransmitted_SUBSCRIBE()
    {
        var packet = (SubscribePacket)DecodePacket(Frame(0x8A, "00 0A 00 03 61 2F 2B 01"), V310);
        Assert.Equal("a/+", packet.Subscriptions[0].Filter);
    }

    [Fact]
    public void MQTT_3_1_still_requires_QoS_1_bits_on_SUBSCRIBE_MQTT_3_8_1_1() =>
        AssertViolation(Frame(0x80, "00 0A 00 03 61 2F 2B 01"), V310, ReasonCode.MalformedPacket, "MQTT-3.8.1-1");

    [Theory]
    [InlineData(V310)]
    [InlineData(V311)]
    [InlineData(V500)]
    public void A_PUBLISH_with_QoS_3_is_malformed_MQTT_3_3_1_4(ProtocolVersion version) =>
        AssertViolation(Frame(0x36, "00 01 74 00 01 00"), version, ReasonCode.MalformedPacket, "MQTT-3.3.1-4");

    [Fact]
    public void The_DUP_flag_on_a_QoS_0_PUBLISH_is_a_protocol_error_MQTT_3_3_1_2() =>
        AssertViolation(Frame(0x38, "00 01 74 00"), V500, ReasonCode.ProtocolError, "MQTT-3.3.1-2");

    [Theory]
    [InlineData("C0 01 00")]
    [InlineData("D0 01 00")]
    [InlineData("E0 01 00")]
    [InlineData("40 03 00 01 00")]
    [InlineData("B0 03 00 01 00")]
    [InlineData("20 03 00 00 00")]
    public void A_3_1_1_packet_with_bytes_after_its_fields_is_malformed_MQTT_2_2_3(string hex) =>
        AssertViolation(Hex(hex), V311, ReasonCode.MalformedPacket, "MQTT-2.2.3");

    [Theory]
    [InlineData("40 01 00")]
    [InlineData("20 01 00")]
    [InlineData("B0 01 00")]
    public void A_3_1_1_packet_too_short_for_its_fields_is_malformed_MQTT_2_2_3(string hex) =>
        AssertViolation(Hex(hex), V311, ReasonCode.MalformedPacket, "MQTT-2.2.3");

    [Fact]
    public void A_5_0_AUTH_with_a_reason_code_but_no_property_length_is_malformed_MQTT_2_1_4() =>
        AssertViolation(Hex("F0 01 18"), V500, ReasonCode.MalformedPacket, "MQTT-2.1.4");

    [Fact]
    public void A_frame_larger_than_the_maximum_is_refused_from_its_fixed_header_alone_MQTT_3_2_2_15()
    {
        var decoder = new MqttPacketDecoder(maximumPacketSize: 100) { ProtocolVersion = V311 };
        var result = decoder.Decode(new ReadOnlySequence<byte>(Hex("30 C8 01"))); // remaining length 200, no body yet
        Assert.Equal(DecodeStatus.Violation, result.Status);
        Assert.Equal(ReasonCode.PacketTooLarge, result.Violation!.ReasonCode);
        Assert.Equal("MQTT-3.2.2-15", result.Violation.Rule);
    }

    [Fact]
    public void The_maximum_packet_size_counts_the_fixed_header()
    {
        var decoder = new MqttPacketDecoder(maximumPacketSize: 10) { ProtocolVersion = V311 };
        var fits = Frame(0x30, "00 01 74 01 02 03 04 05");      // 2 + 8 = 10 bytes
        var tooLarge = Frame(0x30, "00 01 74 01 02 03 04 05 06"); // 2 + 9 = 11 bytes
        Assert.Equal(DecodeStatus.Packet, decoder.Decode(new ReadOnlySequence<byte>(fits)).Status);
        Assert.Equal(ReasonCode.PacketTooLarge, decoder.Decode(new ReadOnlySequence<byte>(tooLarge)).Violation!.ReasonCode);
    }

    [Fact]
    public void Need_more_data_reports_the_frame_length_once_the_fixed_header_is_complete()
    {
        var result = Decode(Hex("30 C8 01 00"), V311);
        Assert.Equal(DecodeStatus.NeedMoreData, result.Status);
        Assert.Equal(203, result.FrameLength);
    }

    [Theory]
    [InlineData("")]
    [InlineData("30")]
    [InlineData("30 C8")]
    [InlineData("30 FF FF FF")]
    public void Need_more_data_has_no_frame_length_while_the_remaining_length_is_incomplete(string hex)
    {
        var result = Decode(Hex(hex), V311);
        Assert.Equal(DecodeStatus.NeedMoreData, result.Status);
        Assert.Null(result.FrameLength);
    }

    [Fact]
    public void A_fixed_header_split_across_segments_gives_the_frame_length()
    {
        var result = NewDecoder(V311).Decode(Segments([0x30], [0xC8], [0x01]));
        Assert.Equal(DecodeStatus.NeedMoreData, result.Status);
        Assert.Equal(203, result.FrameLength);
    }
}
