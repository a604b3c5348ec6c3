using ClusterBroker.Protocol.Packets;
using static ClusterBroker.Protocol.Tests.CodecTestHelpers;

namespace ClusterBroker.Protocol.Tests;

/// <summary>SUBSCRIBE (3.8) and UNSUBSCRIBE (3.10) rules: filters present and non-empty, subscription options.</summary>
public class Subscribe_Tests
{
    [Fact]
    public void A_SUBSCRIBE_without_topic_filters_is_a_protocol_error_MQTT_3_8_3_3() =>
        AssertViolation(Frame(0x82, "00 01"), ProtocolVersion.V311, ReasonCode.ProtocolError, "MQTT-3.8.3-3");

    [Fact]
    public void A_SUBSCRIBE_without_topic_filters_is_a_protocol_error_in_5_0_MQTT_3_8_3_2() =>
        AssertViolation(Frame(0x82, "00 01 00"), ProtocolVersion.V500, ReasonCode.ProtocolError, "MQTT-3.8.3-2");

    [Theory]
    [InlineData(ProtocolVersion.V311, "00 01")]
    [InlineData(ProtocolVersion.V500, "00 01 00")]
    public void An_UNSUBSCRIBE_without_topic_filters_is_a_protocol_error_MQTT_3_10_3_2(ProtocolVersion version, string body) =>
        AssertViolation(Frame(0xA2, body), version, ReasonCode.ProtocolError, "MQTT-3.10.3-2");

    [Theory]
    [InlineData(ProtocolVersion.V311, 0x82, "00 01 00 00 01", ReasonCode.MalformedPacket)]
    [InlineData(ProtocolVersion.V500, 0x82, "00 01 00 00 00 01", ReasonCode.TopicFilterInvalid)]
    [InlineData(ProtocolVersion.V311, 0xA2, "00 01 00 01 61 00 00", ReasonCode.MalformedPacket)]
    [InlineData(ProtocolVersion.V500, 0xA2, "00 01 00 00 00", ReasonCode.TopicFilterInvalid)]
    public void An_empty_topic_filter_is_refused_MQTT_4_7_3_1(ProtocolVersion version, byte first, string body, ReasonCode reasonCode) =>
        AssertViolation(Frame(first, body), version, reasonCode, "MQTT-4.7.3-1");

    [Theory]
    [InlineData("04")]
    [InlineData("80")]
    [InlineData("03")]
    public void Reserved_bits_or_QoS_3_in_a_3_1_1_requested_QoS_are_malformed_MQTT_3_8_3_4(string options) =>
        AssertViolation(Frame(0x82, $"00 01 00 01 74 {options}"), ProtocolVersion.V311, ReasonCode.MalformedPacket, "MQTT-3.8.3-4");

    [Theory]
    [InlineData("40")]
    [InlineData("80")]
    public void Reserved_bits_of_the_subscription_options_are_malformed_MQTT_3_8_3_5(string options) =>
        AssertViolation(Frame(0x82, $"00 01 00 00 01 74 {options}"), ProtocolVersion.V500, ReasonCode.MalformedPacket, "MQTT-3.8.3-5");

    [Fact]
    public void A_maximum_QoS_of_3_is_a_protocol_error_in_5_0() =>
        AssertViolation(Frame(0x82, "00 01 00 00 01 74 03"), ProtocolVersion.V500, ReasonCode.ProtocolError, "MQTT-3.8.3.1");

    [Fact]
    public void Retain_Handling_3_is_a_protocol_error() =>
        AssertViolation(Frame(0x82, "00 01 00 00 01 74 30"), ProtocolVersion.V500, ReasonCode.ProtocolError, "MQTT-3.8.3.1");

    [Fact]
    public void No_Local_on_a_shared_subscription_is_a_protocol_error_MQTT_3_8_3_4() =>
        AssertViolation(Frame(0x82, "00 01 00 00 0A 24 73 68 61 72 65 2F 67 2F 74 04"), ProtocolVersion.V500, ReasonCode.ProtocolError, "MQTT-3.8.3-4");

    [Fact]
    public void A_topic_filter_without_its_options_byte_is_malformed_MQTT_2_2_3() =>
        AssertViolation(Frame(0x82, "00 01 00 01 74"), ProtocolVersion.V311, ReasonCode.MalformedPacket, "MQTT-2.2.3");

    [Fact]
    public void MQTT_3_1_ignores_the_reserved_bits_of_the_requested_QoS_but_not_QoS_3()
    {
        var packet = (SubscribePacket)DecodePacket(Frame(0x82, "00 01 00 01 74 F1"), ProtocolVersion.V310);
        Assert.Equal(QualityOfService.AtLeastOnce, packet.Subscriptions[0].MaximumQoS);
        AssertViolation(Frame(0x82, "00 01 00 01 74 03"), ProtocolVersion.V310, ReasonCode.MalformedPacket, "MQTT-3.8.3-4");
    }

    [Fact]
    public void Wildcard_placement_in_filters_is_left_to_the_topic_layer()
    {
        // "a/#/b" is an invalid filter, but the server answers it per filter in SUBACK (0x8F), not by closing.
        var packet = (SubscribePacket)DecodePacket(Frame(0x82, "00 01 00 05 61 2F 23 2F 62 00"), ProtocolVersion.V311);
        Assert.Equal("a/#/b", packet.Subscriptions[0].Filter);
    }
}
