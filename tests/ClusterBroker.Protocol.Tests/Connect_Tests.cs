using ClusterBroker.Protocol.Codec;
using ClusterBroker.Protocol.Packets;
using static ClusterBroker.Protocol.Tests.CodecTestHelpers;

namespace ClusterBroker.Protocol.Tests;

/// <summary>CONNECT rules (3.1): protocol name and level, connect flags, will, credentials, client identifier.</summary>
public class Connect_Tests
{
    private const string Mqtt = "00 04 4D 51 54 54";
    private const string MqIsdp = "00 06 4D 51 49 73 64 70";

    [Fact]
    public void An_unknown_protocol_name_is_refused_with_unsupported_protocol_version_MQTT_3_1_2_1() =>
        AssertViolation(Frame(0x10, "00 04 4D 51 54 58 04 02 00 00 00 01 63"), null, ReasonCode.UnsupportedProtocolVersion, "MQTT-3.1.2-1");

    [Theory]
    [InlineData(Mqtt + " 06")]
    [InlineData(Mqtt + " 03")]
    [InlineData(MqIsdp + " 04")]
    [InlineData(Mqtt + " 00")]
    public void An_unsupported_protocol_level_is_refused_with_unsupported_protocol_version_MQTT_3_1_2_2(string nameAndLevel) =>
        AssertViolation(Frame(0x10, nameAndLevel + " 02 00 00 00 01 63"), null, ReasonCode.UnsupportedProtocolVersion, "MQTT-3.1.2-2");

    [Theory]
    [InlineData("04", "MQTT-2.2.2-1")]
    [InlineData("05", "MQTT-2.1.3-1")]
    public void CONNECT_fixed_header_flags_must_be_0000(string level, string rule) =>
        AssertViolation(Frame(0x12, $"{Mqtt} {level} 02 00 00 {(level == "05" ? "00 " : string.Empty)}00 01 63"), null, ReasonCode.MalformedPacket, rule);

    [Theory]
    [InlineData("04")]
    [InlineData("05")]
    public void The_reserved_connect_flag_must_be_0_MQTT_3_1_2_3(string level) =>
        AssertViolation(Frame(0x10, $"{Mqtt} {level} 03 00 00 {(level == "05" ? "00 " : string.Empty)}00 01 63"), null, ReasonCode.MalformedPacket, "MQTT-3.1.2-3");

    [Theory]
    [InlineData("04", "MQTT-3.1.2-13")]
    [InlineData("05", "MQTT-3.1.2-11")]
    public void A_will_QoS_without_the_will_flag_is_malformed(string level, string rule) =>
        AssertViolation(Frame(0x10, $"{Mqtt} {level} 0A 00 00 {(level == "05" ? "00 " : string.Empty)}00 01 63"), null, ReasonCode.MalformedPacket, rule);

    [Theory]
    [InlineData("04", "MQTT-3.1.2-15")]
    [InlineData("05", "MQTT-3.1.2-13")]
    public void A_will_retain_without_the_will_flag_is_malformed(string level, string rule) =>
        AssertViolation(Frame(0x10, $"{Mqtt} {level} 22 00 00 {(level == "05" ? "00 " : string.Empty)}00 01 63"), null, ReasonCode.MalformedPacket, rule);

    [Theory]
    [InlineData("04", "MQTT-3.1.2-14")]
    [InlineData("05", "MQTT-3.1.2-12")]
    public void A_will_QoS_of_3_is_malformed(string level, string rule) =>
        AssertViolation(Frame(0x10, $"{Mqtt} {level} 1E 00 00 {(level == "05" ? "00 " : string.Empty)}00 01 63 {(level == "05" ? "00 " : string.Empty)}00 01 77 00 00"), null, ReasonCode.MalformedPacket, rule);

    [Theory]
    [InlineData("04")]
    [InlineData("03")]
    public void A_password_without_a_user_name_is_malformed_before_5_0_MQTT_3_1_2_22(string level) =>
        AssertViolation(Frame(0x10, $"{(level == "03" ? MqIsdp : Mqtt)} {level} 42 00 00 00 01 63 00 01 70"), null, ReasonCode.MalformedPacket, "MQTT-3.1.2-22");

    [Fact]
    public void A_password_without_a_user_name_is_allowed_in_5_0()
    {
        var packet = (ConnectPacket)DecodePacket(Frame(0x10, $"{Mqtt} 05 42 00 00 00 00 01 63 00 01 70"), null);
        Assert.Null(packet.Username);
        Assert.Equal("p"u8.ToArray(), packet.Password!.Value.ToArray());
    }

    [Fact]
    public void A_user_name_flag_without_a_user_name_is_malformed_MQTT_2_2_3() =>
        AssertViolation(Frame(0x10, $"{Mqtt} 04 82 00 00 00 01 63"), null, ReasonCode.MalformedPacket, "MQTT-2.2.3");

    [Fact]
    public void A_will_flag_without_a_will_topic_is_malformed_MQTT_2_1_4() =>
        AssertViolation(Frame(0x10, $"{Mqtt} 05 06 00 00 00 00 01 63"), null, ReasonCode.MalformedPacket, "MQTT-2.1.4");

    [Fact]
    public void Bytes_after_the_last_CONNECT_field_are_malformed_MQTT_2_2_3() =>
        AssertViolation(Frame(0x10, $"{Mqtt} 04 02 00 00 00 01 63 FF"), null, ReasonCode.MalformedPacket, "MQTT-2.2.3");

    [Fact]
    public void An_empty_client_identifier_with_clean_session_0_is_refused_MQTT_3_1_3_8() =>
        AssertViolation(Frame(0x10, $"{Mqtt} 04 00 00 00 00 00"), null, ReasonCode.ClientIdentifierNotValid, "MQTT-3.1.3-8");

    [Fact]
    public void An_empty_client_identifier_with_clean_start_0_is_allowed_in_5_0()
    {
        var packet = (ConnectPacket)DecodePacket(Frame(0x10, $"{Mqtt} 05 00 00 00 00 00 00"), null);
        Assert.Equal(string.Empty, packet.ClientId);
    }

    [Theory]
    [InlineData("00 00")]
    [InlineData("00 18 61 61 61 61 61 61 61 61 61 61 61 61 61 61 61 61 61 61 61 61 61 61 61 61")]
    public void An_MQTT_3_1_client_identifier_must_be_1_to_23_characters(string clientId) =>
        AssertViolation(Frame(0x10, $"{MqIsdp} 03 02 00 00 {clientId}"), null, ReasonCode.ClientIdentifierNotValid, "MQTT-v3.1-3.1");

    [Fact]
    public void Authentication_Data_without_an_Authentication_Method_is_a_protocol_error() =>
        AssertViolation(Frame(0x10, $"{Mqtt} 05 02 00 00 04 16 00 01 AA 00 01 63"), null, ReasonCode.ProtocolError, "MQTT-3.1.2.11.10");

    [Theory]
    [InlineData("04", "00 03 61 2F 23", "MQTT-4.7.1-1")]
    [InlineData("05", "00 01 2B", "MQTT-4.7.0-1")]
    public void A_will_topic_with_a_wildcard_is_refused(string level, string willTopic, string rule) =>
        AssertViolation(Frame(0x10, $"{Mqtt} {level} 06 00 00 {(level == "05" ? "00 " : string.Empty)}00 01 63 {(level == "05" ? "00 " : string.Empty)}{willTopic} 00 00"), null, ReasonCode.TopicNameInvalid, rule);

    [Theory]
    [InlineData("03", ProtocolVersion.V310)]
    [InlineData("04", ProtocolVersion.V311)]
    [InlineData("05", ProtocolVersion.V500)]
    public void Decoding_a_CONNECT_sets_the_protocol_version_of_the_decoder(string level, ProtocolVersion expected)
    {
        var decoder = new MqttPacketDecoder();
        var frame = Frame(0x10, $"{(level == "03" ? MqIsdp : Mqtt)} {level} 02 00 00 {(level == "05" ? "00 " : string.Empty)}00 01 63");
        Assert.Equal(DecodeStatus.Packet, decoder.Decode(new(frame)).Status);
        Assert.Equal(expected, decoder.ProtocolVersion);
    }

    [Fact]
    public void A_refused_CONNECT_leaves_the_protocol_version_unset()
    {
        var decoder = new MqttPacketDecoder();
        decoder.Decode(new(Frame(0x10, $"{Mqtt} 04 03 00 00 00 01 63")));
        Assert.Null(decoder.ProtocolVersion);
    }

    [Theory]
    [InlineData("85")]
    [InlineData("82")]
    [InlineData("C4")]
    public void The_bridge_bit_is_accepted_only_on_levels_3_and_4(string level) =>
        AssertViolation(Frame(0x10, $"{Mqtt} {level} 02 00 00 00 00 01 63"), null, ReasonCode.UnsupportedProtocolVersion, "MQTT-3.1.2-2");

    [Fact]
    public void A_bridge_CONNECT_is_3_1_1_with_the_bridge_flag_set()
    {
        var decoder = new MqttPacketDecoder();
        var packet = (ConnectPacket)DecodePacket(Frame(0x10, $"{Mqtt} 84 02 00 00 00 01 63"), null);
        Assert.True(packet.IsBridge);
        Assert.Equal(ProtocolVersion.V311, packet.ProtocolVersion);
        Assert.Equal(DecodeStatus.Packet, decoder.Decode(new(Frame(0x10, $"{Mqtt} 84 02 00 00 00 01 63"))).Status);
        Assert.Equal(ProtocolVersion.V311, decoder.ProtocolVersion);
    }

    [Fact]
    public void MQTT_3_1_tolerates_fixed_header_bits_it_calls_not_used()
    {
        var packet = (ConnectPacket)DecodePacket(Frame(0x12, $"{MqIsdp} 03 02 00 00 00 01 63"), null);
        Assert.Equal(ProtocolVersion.V310, packet.ProtocolVersion);
    }
}
