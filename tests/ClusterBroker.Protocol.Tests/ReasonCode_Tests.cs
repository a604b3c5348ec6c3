using ClusterBroker.Protocol.Codec;
using ClusterBroker.Protocol.Packets;
using static ClusterBroker.Protocol.Tests.CodecTestHelpers;

namespace ClusterBroker.Protocol.Tests;

/// <summary>Reason codes each packet may carry, and their mapping to 3.1/3.1.1 return codes.</summary>
public class ReasonCode_Tests
{
    [Theory]
    [InlineData(0x40, "00 01 92", "MQTT-3.4.2-1")]
    [InlineData(0x50, "00 01 92", "MQTT-3.5.2-1")]
    [InlineData(0x62, "00 01 10", "MQTT-3.6.2-1")]
    [InlineData(0x70, "00 01 80", "MQTT-3.7.2-1")]
    [InlineData(0x90, "00 01 00 03", "MQTT-3.9.3-2")]
    [InlineData(0xB0, "00 01 00 01", "MQTT-3.11.3-2")]
    [InlineData(0xE0, "05", "MQTT-3.14.2-1")]
    [InlineData(0xF0, "01 00", "MQTT-3.15.2-1")]
    [InlineData(0x20, "00 01 00", "MQTT-3.2.2-8")]
    public void A_reason_code_the_packet_may_not_carry_is_a_protocol_error(byte first, string body, string rule) =>
        AssertViolation(Frame(first, body), ProtocolVersion.V500, ReasonCode.ProtocolError, rule);

    [Fact]
    public void A_3_1_1_SUBACK_return_code_other_than_0_1_2_or_0x80_is_a_protocol_error_MQTT_3_9_3_2() =>
        AssertViolation(Frame(0x90, "00 01 03"), ProtocolVersion.V311, ReasonCode.ProtocolError, "MQTT-3.9.3-2");

    [Fact]
    public void A_3_1_1_CONNACK_return_code_above_5_is_reserved() =>
        AssertViolation(Frame(0x20, "00 06"), ProtocolVersion.V311, ReasonCode.ProtocolError, "MQTT-3.2.2.3");

    [Theory]
    [InlineData(ProtocolVersion.V311, "01 05", "MQTT-3.2.2-4")]
    [InlineData(ProtocolVersion.V500, "01 87 00", "MQTT-3.2.2-6")]
    public void Session_present_in_a_CONNACK_that_refuses_is_a_protocol_error(ProtocolVersion version, string body, string rule) =>
        AssertViolation(Frame(0x20, body), version, ReasonCode.ProtocolError, rule);

    [Theory]
    [InlineData(ProtocolVersion.V311, "02 00", "MQTT-3.2.2.1")]
    [InlineData(ProtocolVersion.V500, "80 00 00", "MQTT-3.2.2-1")]
    public void Reserved_CONNACK_flag_bits_are_malformed(ProtocolVersion version, string body, string rule) =>
        AssertViolation(Frame(0x20, body), version, ReasonCode.MalformedPacket, rule);

    [Theory]
    [InlineData(ProtocolVersion.V311, "00 01", "MQTT-3.9.3-1")]
    [InlineData(ProtocolVersion.V500, "00 01 00", "MQTT-3.9.3-1")]
    public void A_SUBACK_without_return_codes_is_a_protocol_error(ProtocolVersion version, string body, string rule) =>
        AssertViolation(Frame(0x90, body), version, ReasonCode.ProtocolError, rule);

    [Fact]
    public void A_5_0_UNSUBACK_without_reason_codes_is_a_protocol_error_MQTT_3_11_3_1() =>
        AssertViolation(Frame(0xB0, "00 01 00"), ProtocolVersion.V500, ReasonCode.ProtocolError, "MQTT-3.11.3-1");

    [Theory]
    [InlineData(ReasonCode.Success, 0)]
    [InlineData(ReasonCode.UnsupportedProtocolVersion, 1)]
    [InlineData(ReasonCode.ClientIdentifierNotValid, 2)]
    [InlineData(ReasonCode.ServerUnavailable, 3)]
    [InlineData(ReasonCode.BadUserNameOrPassword, 4)]
    [InlineData(ReasonCode.NotAuthorized, 5)]
    public void CONNACK_reason_codes_map_to_3_1_1_return_codes_and_back(ReasonCode reasonCode, byte returnCode)
    {
        Assert.Equal(returnCode, ReasonCodeMapping.ToConnectReturnCode(reasonCode));
        Assert.Equal(reasonCode, ReasonCodeMapping.FromConnectReturnCode(returnCode));
        var frame = Encode(new ConnAckPacket { ReasonCode = reasonCode }, ProtocolVersion.V311);
        Assert.Equal(new byte[] { 0x20, 0x02, 0x00, returnCode }, frame);
    }

    [Theory]
    [InlineData(ReasonCode.ServerBusy, 3)]
    [InlineData(ReasonCode.Banned, 5)]
    [InlineData(ReasonCode.BadAuthenticationMethod, 4)]
    [InlineData(ReasonCode.QuotaExceeded, 3)]
    public void CONNACK_reason_codes_without_a_3_1_1_equivalent_map_to_the_nearest(ReasonCode reasonCode, byte returnCode) =>
        Assert.Equal(returnCode, ReasonCodeMapping.ToConnectReturnCode(reasonCode));

    [Fact]
    public void Reserved_3_1_1_return_codes_do_not_map()
    {
        Assert.False(ReasonCodeMapping.TryFromConnectReturnCode(6, out _));
        Assert.False(ReasonCodeMapping.TryFromConnectReturnCode(255, out _));
    }

    [Fact]
    public void SUBACK_failures_map_to_0x80_before_5_0()
    {
        var packet = new SubAckPacket { PacketId = 1, ReasonCodes = [ReasonCode.GrantedQoS1, ReasonCode.QuotaExceeded, ReasonCode.TopicFilterInvalid, ReasonCode.GrantedQoS2] };
        Assert.Equal(Hex("90 06 00 01 01 80 80 02"), Encode(packet, ProtocolVersion.V311));
        Assert.Equal(ReasonCode.UnspecifiedError, ReasonCodeMapping.FromSubAckReturnCode(0x80));
        Assert.Equal((byte)0x80, ReasonCodeMapping.ToSubAckReturnCode(ReasonCode.ImplementationSpecificError));
    }
}
