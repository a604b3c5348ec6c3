using ClusterBroker.Protocol.Codec;
using ClusterBroker.Protocol.Packets;
using static ClusterBroker.Protocol.Tests.CodecTestHelpers;

namespace ClusterBroker.Protocol.Tests;

/// <summary>MQTT 5.0 properties (2.2.2): the table, where each may appear, repetition, values.</summary>
public class Property_Tests
{
    private const ProtocolVersion V500 = ProtocolVersion.V500;

    [Fact]
    public void The_property_table_has_all_27_properties_with_distinct_identifiers()
    {
        Assert.Equal(27, PropertyDefinitions.All.Count);
        Assert.Equal(27, PropertyDefinitions.All.Select(p => p.Id).Distinct().Count());
        Assert.Equal(Enum.GetValues<PropertyId>().Length, PropertyDefinitions.All.Count);
    }

    [Theory]
    [InlineData(PropertyId.SubscriptionIdentifier, PropertyDataType.VariableByteInteger, PropertyTargets.Publish | PropertyTargets.Subscribe)]
    [InlineData(PropertyId.UserProperty, PropertyDataType.Utf8StringPair, (PropertyTargets)0x3FFF)]
    [InlineData(PropertyId.WillDelayInterval, PropertyDataType.FourByteInteger, PropertyTargets.Will)]
    [InlineData(PropertyId.ReasonString, PropertyDataType.Utf8String, PropertyTargets.ConnAck | PropertyTargets.PubAck | PropertyTargets.PubRec | PropertyTargets.PubRel | PropertyTargets.PubComp | PropertyTargets.SubAck | PropertyTargets.UnsubAck | PropertyTargets.Disconnect | PropertyTargets.Auth)]
    [InlineData(PropertyId.CorrelationData, PropertyDataType.BinaryData, PropertyTargets.Publish | PropertyTargets.Will)]
    [InlineData(PropertyId.TopicAlias, PropertyDataType.TwoByteInteger, PropertyTargets.Publish)]
    [InlineData(PropertyId.MaximumQoS, PropertyDataType.Byte, PropertyTargets.ConnAck)]
    public void The_property_table_gives_each_property_its_type_and_packets(PropertyId id, PropertyDataType type, PropertyTargets targets)
    {
        Assert.True(PropertyDefinitions.TryGet((int)id, out var definition));
        Assert.Equal(type, definition.DataType);
        Assert.Equal(targets, definition.Targets);
    }

    [Fact]
    public void A_property_included_twice_is_a_protocol_error() =>
        AssertViolation(Frame(0x30, "00 01 74 0A 02 00 00 00 01 02 00 00 00 02"), V500, ReasonCode.ProtocolError, "MQTT-2.2.2.2");

    [Fact]
    public void A_User_Property_may_appear_more_than_once_and_keeps_its_order()
    {
        var packet = (PublishPacket)DecodePacket(Frame(0x30, "00 01 74 0E 26 00 01 62 00 01 32 26 00 01 61 00 01 31"), V500);
        Assert.Equal([new UserProperty("b", "2"), new UserProperty("a", "1")], packet.UserProperties!);
    }

    [Fact]
    public void A_Subscription_Identifier_may_repeat_in_PUBLISH()
    {
        var packet = (PublishPacket)DecodePacket(Frame(0x30, "00 01 74 04 0B 01 0B 02"), V500);
        Assert.Equal([1u, 2u], packet.SubscriptionIdentifiers!);
    }

    [Fact]
    public void A_Subscription_Identifier_repeated_in_SUBSCRIBE_is_a_protocol_error() =>
        AssertViolation(Frame(0x82, "00 01 04 0B 01 0B 02 00 01 74 00"), V500, ReasonCode.ProtocolError, "MQTT-2.2.2.2");

    [Theory]
    [InlineData(0x40, "00 01 00 03 23 00 01")]           // Topic Alias in PUBACK
    [InlineData(0x30, "00 01 74 05 18 00 00 00 01")]     // Will Delay Interval in PUBLISH (Will Properties only)
    [InlineData(0x30, "00 01 74 05 11 00 00 00 01")]     // Session Expiry Interval in PUBLISH
    [InlineData(0xE0, "00 02 23 00 01")]                 // Topic Alias in DISCONNECT
    [InlineData(0x82, "00 01 03 1F 00 00 00 01 74 00")]  // Reason String in SUBSCRIBE
    public void A_property_not_valid_for_its_packet_is_malformed(byte first, string body) =>
        AssertViolation(Frame(first, body), V500, ReasonCode.MalformedPacket, "MQTT-2.2.2.2");

    [Fact]
    public void A_will_property_in_the_CONNECT_properties_is_malformed() =>
        AssertViolation(Frame(0x10, "00 04 4D 51 54 54 05 02 00 00 05 18 00 00 00 01 00 01 63"), null, ReasonCode.MalformedPacket, "MQTT-2.2.2.2");

    [Theory]
    [InlineData("00 01 74 02 00 00")] // identifier 0
    [InlineData("00 01 74 02 04 00")] // identifier 4 is unassigned
    [InlineData("00 01 74 02 7F 00")]
    [InlineData("00 01 74 03 81 01 00")] // a two-byte identifier (129)
    public void An_unknown_property_identifier_is_malformed(string body) =>
        AssertViolation(Frame(0x30, body), V500, ReasonCode.MalformedPacket, "MQTT-2.2.2.2");

    [Fact]
    public void A_property_length_beyond_the_packet_is_malformed() =>
        AssertViolation(Frame(0x30, "00 01 74 09 01 01"), V500, ReasonCode.MalformedPacket, "MQTT-2.2.2.1");

    [Fact]
    public void A_property_value_cut_by_the_property_length_is_malformed() =>
        AssertViolation(Frame(0x30, "00 01 74 02 02 00 00 00 01"), V500, ReasonCode.MalformedPacket, "MQTT-2.1.4");

    [Fact]
    public void A_property_length_of_five_bytes_is_malformed() =>
        AssertViolation(Frame(0x30, "00 01 74 FF FF FF FF 7F"), V500, ReasonCode.MalformedPacket, "MQTT-1.5.5");

    [Fact]
    public void A_property_length_not_in_the_minimum_number_of_bytes_is_malformed_MQTT_1_5_5_1() =>
        AssertViolation(Frame(0x30, "00 01 74 80 00"), V500, ReasonCode.MalformedPacket, "MQTT-1.5.5-1");

    [Theory]
    [InlineData("00 01 74 02 01 02", "MQTT-3.3.2.3.2")]                             // Payload Format Indicator 2
    [InlineData("00 01 74 02 0B 00", "MQTT-3.8.2.1.2")]                             // Subscription Identifier 0
    public void A_PUBLISH_property_value_outside_its_range_is_a_protocol_error(string body, string rule) =>
        AssertViolation(Frame(0x30, body), V500, ReasonCode.ProtocolError, rule);

    [Theory]
    [InlineData("03 21 00 00", "MQTT-3.1.2.11.3")]       // Receive Maximum 0
    [InlineData("05 27 00 00 00 00", "MQTT-3.1.2.11.4")] // Maximum Packet Size 0
    [InlineData("02 17 02", "MQTT-3.1.2.11.7")]          // Request Problem Information 2
    [InlineData("02 19 05", "MQTT-3.1.2.11.6")]          // Request Response Information 5
    public void A_CONNECT_property_value_outside_its_range_is_a_protocol_error(string properties, string rule) =>
        AssertViolation(Frame(0x10, $"00 04 4D 51 54 54 05 02 00 00 {properties} 00 01 63"), null, ReasonCode.ProtocolError, rule);

    [Theory]
    [InlineData("02 24 02", "MQTT-3.2.2.3.4")]  // Maximum QoS 2
    [InlineData("02 25 02", "MQTT-3.2.2.3.5")]  // Retain Available 2
    [InlineData("02 28 02", "MQTT-3.2.2.3.11")] // Wildcard Subscription Available 2
    [InlineData("02 29 02", "MQTT-3.2.2.3.12")] // Subscription Identifier Available 2
    [InlineData("02 2A 02", "MQTT-3.2.2.3.13")] // Shared Subscription Available 2
    [InlineData("03 21 00 00", "MQTT-3.2.2.3.3")] // Receive Maximum 0
    public void A_CONNACK_property_value_outside_its_range_is_a_protocol_error(string properties, string rule) =>
        AssertViolation(Frame(0x20, $"00 00 {properties}"), V500, ReasonCode.ProtocolError, rule);

    [Fact]
    public void Properties_are_not_read_before_5_0()
    {
        // In 3.1.1 the byte after the packet identifier is payload, not a property length.
        var packet = (PublishPacket)DecodePacket(Frame(0x32, "00 01 74 00 01 02 23 00 01"), ProtocolVersion.V311);
        Assert.Equal(new byte[] { 0x02, 0x23, 0x00, 0x01 }, packet.Payload.ToArray());
        Assert.Null(packet.TopicAlias);
    }
}
