using System.Buffers;
using ClusterBroker.Protocol.Codec;
using ClusterBroker.Protocol.Packets;
using static ClusterBroker.Protocol.Tests.CodecTestHelpers;

namespace ClusterBroker.Protocol.Tests;

/// <summary>Encoder behaviour beyond the golden frames: v5-only fields, short forms, limits.</summary>
public class Encoder_Tests
{
    [Fact]
    public void The_3_1_1_encoder_ignores_v5_only_fields()
    {
        var plain = new PublishPacket { Topic = "t", QoS = QualityOfService.AtLeastOnce, PacketId = 1, Payload = new byte[] { 1 } };
        var withProperties = plain with { MessageExpiryInterval = 5, UserProperties = [new UserProperty("a", "b")], TopicAlias = 3 };
        Assert.Equal(Encode(plain, ProtocolVersion.V311), Encode(withProperties, ProtocolVersion.V311));

        var ack = new PubAckPacket { PacketId = 1, ReasonCode = ReasonCode.QuotaExceeded, ReasonString = "x" };
        Assert.Equal(Hex("40 02 00 01"), Encode(ack, ProtocolVersion.V311));

        var disconnect = new DisconnectPacket { ReasonCode = ReasonCode.ServerShuttingDown, ReasonString = "bye" };
        Assert.Equal(Hex("E0 00"), Encode(disconnect, ProtocolVersion.V311));

        var unsubAck = new UnsubAckPacket { PacketId = 2, ReasonCodes = [ReasonCode.NoSubscriptionExisted] };
        Assert.Equal(Hex("B0 02 00 02"), Encode(unsubAck, ProtocolVersion.V311));
    }

    [Fact]
    public void A_3_1_CONNACK_has_no_session_present_flag()
    {
        Assert.Equal(Hex("20 02 00 00"), Encode(new ConnAckPacket { SessionPresent = true }, ProtocolVersion.V310));
        Assert.Equal(Hex("20 02 01 00"), Encode(new ConnAckPacket { SessionPresent = true }, ProtocolVersion.V311));
    }

    [Fact]
    public void AUTH_cannot_be_encoded_before_5_0() =>
        Assert.Throws<ArgumentException>(() => Encode(new AuthPacket(), ProtocolVersion.V311));

    [Fact]
    public void A_string_longer_than_65535_bytes_cannot_be_encoded() =>
        Assert.Throws<ArgumentException>(() => Encode(new PublishPacket { Topic = new string('a', 65_536) }, ProtocolVersion.V311));

    [Fact]
    public void A_remaining_length_of_128_takes_two_bytes()
    {
        var packet = new PublishPacket { Topic = "t", Payload = new byte[125] }; // 3 + 125 = 128
        var frame = Encode(packet, ProtocolVersion.V311);
        Assert.Equal(new byte[] { 0x30, 0x80, 0x01 }, frame[..3]);
        Assert.Equal(131, MqttPacketEncoder.GetEncodedSize(packet, ProtocolVersion.V311));
    }

    [Fact]
    public void A_v5_AUTH_with_a_reason_code_and_no_properties_writes_a_zero_property_length() =>
        Assert.Equal(Hex("F0 02 19 00"), Encode(new AuthPacket { ReasonCode = ReasonCode.ReAuthenticate }, ProtocolVersion.V500));

    [Fact]
    public void Encoding_appends_to_what_the_writer_already_holds()
    {
        var writer = new ArrayBufferWriter<byte>();
        MqttPacketEncoder.Encode(PingReqPacket.Instance, ProtocolVersion.V311, writer);
        MqttPacketEncoder.Encode(new PubAckPacket { PacketId = 3 }, ProtocolVersion.V311, writer);
        Assert.Equal(Hex("C0 00 40 02 00 03"), writer.WrittenSpan.ToArray());
    }
}
