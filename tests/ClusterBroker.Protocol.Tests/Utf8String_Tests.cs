using ClusterBroker.Protocol.Packets;
using static ClusterBroker.Protocol.Tests.CodecTestHelpers;

namespace ClusterBroker.Protocol.Tests;

/// <summary>UTF-8 Encoded Strings (1.5.4 in 5.0, 1.5.3 in 3.1.1).</summary>
public class Utf8String_Tests
{
    [Theory]
    [InlineData("00 02 C0 AF")]       // overlong encoding of '/'
    [InlineData("00 03 ED A0 80")]    // a UTF-16 surrogate (U+D800) encoded as UTF-8
    [InlineData("00 01 FF")]          // not UTF-8 at all
    [InlineData("00 02 E4 B8")]       // a three-byte sequence cut short
    public void An_ill_formed_UTF_8_string_is_malformed_MQTT_1_5_4_1(string topic) =>
        AssertViolation(Frame(0x30, topic + " 00"), ProtocolVersion.V500, ReasonCode.MalformedPacket, "MQTT-1.5.4-1");

    [Fact]
    public void An_ill_formed_UTF_8_string_is_malformed_in_3_1_1_MQTT_1_5_3_1() =>
        AssertViolation(Frame(0x82, "00 01 00 03 ED A0 80 00"), ProtocolVersion.V311, ReasonCode.MalformedPacket, "MQTT-1.5.3-1");

    [Fact]
    public void A_string_containing_U_0000_is_malformed_MQTT_1_5_4_2() =>
        AssertViolation(Frame(0x30, "00 03 61 00 62 00"), ProtocolVersion.V500, ReasonCode.MalformedPacket, "MQTT-1.5.4-2");

    [Fact]
    public void A_user_name_containing_U_0000_is_malformed_in_3_1_1_MQTT_1_5_3_2() =>
        AssertViolation(Frame(0x10, "00 04 4D 51 54 54 04 82 00 00 00 01 63 00 01 00"), null, ReasonCode.MalformedPacket, "MQTT-1.5.3-2");

    [Fact]
    public void A_user_property_with_ill_formed_UTF_8_is_malformed_MQTT_1_5_4_1() =>
        AssertViolation(Frame(0x30, "00 01 74 06 26 00 01 FF 00 00"), ProtocolVersion.V500, ReasonCode.MalformedPacket, "MQTT-1.5.4-1");

    [Fact]
    public void A_byte_order_mark_is_kept_not_stripped_MQTT_1_5_4_3()
    {
        var packet = (PublishPacket)DecodePacket(Frame(0x30, "00 04 EF BB BF 61 00"), ProtocolVersion.V500);
        Assert.Equal("\uFEFFa", packet.Topic);
    }

    [Fact]
    public void Characters_outside_the_basic_multilingual_plane_decode()
    {
        var packet = (PublishPacket)DecodePacket(Frame(0x30, "00 04 F0 9F 98 80"), ProtocolVersion.V311);
        Assert.Equal("😀", packet.Topic);
    }
}
