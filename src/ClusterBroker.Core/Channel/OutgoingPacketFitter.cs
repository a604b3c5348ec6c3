using ClusterBroker.Protocol;
using ClusterBroker.Protocol.Codec;
using ClusterBroker.Protocol.Packets;

namespace ClusterBroker.Core.Channel;

/// <summary>
/// Shapes a 5.0 control packet the broker sends to what the client asked for in CONNECT:
/// <list type="bullet">
/// <item>Request Problem Information 0: no Reason String and no User Property on any packet other than PUBLISH,
/// CONNACK and DISCONNECT ([MQTT-3.1.2-29]).</item>
/// <item>Maximum Packet Size: nothing larger is sent ([MQTT-3.1.2-24]). What is optional goes first: the Reason
/// String, then the User Properties (the spec's own order, e.g. [MQTT-3.2.2-19], [MQTT-3.2.2-20], [MQTT-3.4.2-2],
/// [MQTT-3.4.2-3], [MQTT-3.9.2-1], [MQTT-3.14.2-3]); for CONNACK then the properties whose absence the client reads
/// as what the broker does anyway or as a feature it need not use (Response Information, which the server MAY
/// omit; Wildcard/Subscription Identifier/Shared Subscription Available when 1, the value their absence means;
/// Topic Alias Maximum, whose absence means the client sends no aliases). What the client must know is never
/// dropped (Assigned Client Identifier, Session Expiry Interval, Receive Maximum, Maximum QoS, Retain Available,
/// Maximum Packet Size, Server Keep Alive): a CONNACK that does not fit without them is refused by the channel.</item>
/// </list>
/// Packets without optional properties (the common PUBACK, PUBREC, PUBREL, PUBCOMP, PINGRESP) are returned as
/// they are without measuring. The transport still refuses anything that does not fit (a PUBLISH is then dropped as
/// if sent, [MQTT-3.1.2-25]).
/// </summary>
internal static class OutgoingPacketFitter
{
    /// <summary>The packet to send in place of <paramref name="packet"/> (the same instance when nothing changes).</summary>
    public static MqttPacket Fit(MqttPacket packet, uint? maximumPacketSize, bool problemInformation) => packet switch
    {
        PacketIdentifierAckPacket ack => FitAck(ack, maximumPacketSize, problemInformation),
        ConnAckPacket connAck => FitConnAck(connAck, maximumPacketSize) ?? StripOptional(connAck),
        DisconnectPacket disconnect => FitDisconnect(disconnect, maximumPacketSize),
        SubAckPacket subAck => FitSubAck(subAck, maximumPacketSize, problemInformation),
        UnsubAckPacket unsubAck => FitUnsubAck(unsubAck, maximumPacketSize, problemInformation),
        AuthPacket auth => FitAuth(auth, maximumPacketSize, problemInformation),
        _ => packet,
    };

    /// <summary>
    /// The CONNACK shortened to fit <paramref name="maximumPacketSize"/>, or null when even the properties the
    /// client must know do not fit.
    /// </summary>
    public static ConnAckPacket? FitConnAck(ConnAckPacket packet, uint? maximumPacketSize)
    {
        if (maximumPacketSize is not uint max || Fits(packet, max))
        {
            return packet;
        }

        if (packet.ReasonString is not null)
        {
            packet = packet with { ReasonString = null };
            if (Fits(packet, max))
            {
                return packet;
            }
        }

        if (packet.UserProperties is not null)
        {
            packet = packet with { UserProperties = null };
            if (Fits(packet, max))
            {
                return packet;
            }
        }

        packet = StripOptional(packet);
        return Fits(packet, max) ? packet : null;
    }

    /// <summary>Whether the packet, encoded for 5.0, is at most <paramref name="maximumPacketSize"/> bytes.</summary>
    public static bool Fits(MqttPacket packet, uint maximumPacketSize) =>
        MqttPacketEncoder.GetEncodedSize(packet, ProtocolVersion.V500) <= maximumPacketSize;

    private static ConnAckPacket StripOptional(ConnAckPacket packet) => packet with
    {
        ReasonString = null,
        UserProperties = null,
        ResponseInformation = null,
        WildcardSubscriptionAvailable = packet.WildcardSubscriptionAvailable == true ? null : packet.WildcardSubscriptionAvailable,
        SubscriptionIdentifiersAvailable = packet.SubscriptionIdentifiersAvailable == true ? null : packet.SubscriptionIdentifiersAvailable,
        SharedSubscriptionAvailable = packet.SharedSubscriptionAvailable == true ? null : packet.SharedSubscriptionAvailable,
        TopicAliasMaximum = null,
    };

    private static MqttPacket FitAck(PacketIdentifierAckPacket packet, uint? maximumPacketSize, bool problemInformation)
    {
        if (packet.ReasonString is null && packet.UserProperties is null)
        {
            return packet;
        }

        if (!problemInformation)
        {
            return packet with { ReasonString = null, UserProperties = null };
        }

        if (maximumPacketSize is not uint max || Fits(packet, max))
        {
            return packet;
        }

        PacketIdentifierAckPacket shorter = packet with { ReasonString = null };
        return Fits(shorter, max) ? shorter : shorter with { UserProperties = null };
    }

    private static MqttPacket FitDisconnect(DisconnectPacket packet, uint? maximumPacketSize)
    {
        if ((packet.ReasonString is null && packet.UserProperties is null) || maximumPacketSize is not uint max || Fits(packet, max))
        {
            return packet;
        }

        DisconnectPacket shorter = packet with { ReasonString = null };
        return Fits(shorter, max) ? shorter : shorter with { UserProperties = null };
    }

    private static MqttPacket FitSubAck(SubAckPacket packet, uint? maximumPacketSize, bool problemInformation)
    {
        if (packet.ReasonString is null && packet.UserProperties is null)
        {
            return packet;
        }

        if (!problemInformation)
        {
            return packet with { ReasonString = null, UserProperties = null };
        }

        if (maximumPacketSize is not uint max || Fits(packet, max))
        {
            return packet;
        }

        SubAckPacket shorter = packet with { ReasonString = null };
        return Fits(shorter, max) ? shorter : shorter with { UserProperties = null };
    }

    private static MqttPacket FitUnsubAck(UnsubAckPacket packet, uint? maximumPacketSize, bool problemInformation)
    {
        if (packet.ReasonString is null && packet.UserProperties is null)
        {
            return packet;
        }

        if (!problemInformation)
        {
            return packet with { ReasonString = null, UserProperties = null };
        }

        if (maximumPacketSize is not uint max || Fits(packet, max))
        {
            return packet;
        }

        UnsubAckPacket shorter = packet with { ReasonString = null };
        return Fits(shorter, max) ? shorter : shorter with { UserProperties = null };
    }

    private static MqttPacket FitAuth(AuthPacket packet, uint? maximumPacketSize, bool problemInformation)
    {
        if (packet.ReasonString is null && packet.UserProperties is null)
        {
            return packet;
        }

        if (!problemInformation)
        {
            return packet with { ReasonString = null, UserProperties = null };
        }

        if (maximumPacketSize is not uint max || Fits(packet, max))
        {
            return packet;
        }

        AuthPacket shorter = packet with { ReasonString = null };
        return Fits(shorter, max) ? shorter : shorter with { UserProperties = null };
    }
}
