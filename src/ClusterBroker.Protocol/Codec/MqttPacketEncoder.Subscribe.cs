using ClusterBroker.Protocol.Packets;

namespace ClusterBroker.Protocol.Codec;

public static partial class MqttPacketEncoder
{
    // ---- SUBSCRIBE (3.8) ----

    private static Layout MeasureSubscribe(SubscribePacket packet, ProtocolVersion version)
    {
        var size = 2;
        var properties = 0;
        if (version == ProtocolVersion.V500)
        {
            properties = EncodedSize.SubscriptionIdentifier(packet.SubscriptionIdentifier) + EncodedSize.UserProperties(packet.UserProperties);
            size += EncodedSize.PropertyBlock(properties);
        }

        var subscriptions = packet.Subscriptions;
        for (var i = 0; i < subscriptions.Count; i++)
        {
            size += EncodedSize.String(subscriptions[i].Filter) + 1;
        }

        return new Layout(size, properties);
    }

    private static void WriteSubscribe(ref MqttWriter writer, SubscribePacket packet, ProtocolVersion version, in Layout layout)
    {
        writer.WriteUInt16(packet.PacketId);
        var v5 = version == ProtocolVersion.V500;
        if (v5)
        {
            writer.WriteVariableByteInteger(layout.PropertiesLength);
            writer.WriteSubscriptionIdentifier(packet.SubscriptionIdentifier);
            writer.WriteUserProperties(packet.UserProperties);
        }

        var subscriptions = packet.Subscriptions;
        for (var i = 0; i < subscriptions.Count; i++)
        {
            var subscription = subscriptions[i];
            writer.WriteString(subscription.Filter);
            var options = (int)subscription.MaximumQoS & 0x03;
            if (v5)
            {
                options |= (subscription.NoLocal ? 0x04 : 0) | (subscription.RetainAsPublished ? 0x08 : 0) | (((int)subscription.RetainHandling & 0x03) << 4);
            }

            writer.WriteByte((byte)options);
        }
    }

    // ---- SUBACK (3.9) ----

    private static Layout MeasureSubAck(SubAckPacket packet, ProtocolVersion version)
    {
        var size = 2 + packet.ReasonCodes.Count;
        var properties = 0;
        if (version == ProtocolVersion.V500)
        {
            properties = EncodedSize.Property(packet.ReasonString) + EncodedSize.UserProperties(packet.UserProperties);
            size += EncodedSize.PropertyBlock(properties);
        }

        return new Layout(size, properties);
    }

    private static void WriteSubAck(ref MqttWriter writer, SubAckPacket packet, ProtocolVersion version, in Layout layout)
    {
        writer.WriteUInt16(packet.PacketId);
        var v5 = version == ProtocolVersion.V500;
        if (v5)
        {
            writer.WriteVariableByteInteger(layout.PropertiesLength);
            writer.WriteProperty(PropertyId.ReasonString, packet.ReasonString);
            writer.WriteUserProperties(packet.UserProperties);
        }

        var codes = packet.ReasonCodes;
        for (var i = 0; i < codes.Count; i++)
        {
            writer.WriteByte(v5 ? (byte)codes[i] : ReasonCodeMapping.ToSubAckReturnCode(codes[i]));
        }
    }

    // ---- UNSUBSCRIBE (3.10) ----

    private static Layout MeasureUnsubscribe(UnsubscribePacket packet, ProtocolVersion version)
    {
        var size = 2;
        var properties = 0;
        if (version == ProtocolVersion.V500)
        {
            properties = EncodedSize.UserProperties(packet.UserProperties);
            size += EncodedSize.PropertyBlock(properties);
        }

        var filters = packet.Filters;
        for (var i = 0; i < filters.Count; i++)
        {
            size += EncodedSize.String(filters[i]);
        }

        return new Layout(size, properties);
    }

    private static void WriteUnsubscribe(ref MqttWriter writer, UnsubscribePacket packet, ProtocolVersion version, in Layout layout)
    {
        writer.WriteUInt16(packet.PacketId);
        if (version == ProtocolVersion.V500)
        {
            writer.WriteVariableByteInteger(layout.PropertiesLength);
            writer.WriteUserProperties(packet.UserProperties);
        }

        var filters = packet.Filters;
        for (var i = 0; i < filters.Count; i++)
        {
            writer.WriteString(filters[i]);
        }
    }

    // ---- UNSUBACK (3.11): the packet identifier only before 5.0 ----

    private static Layout MeasureUnsubAck(UnsubAckPacket packet, ProtocolVersion version)
    {
        if (version != ProtocolVersion.V500)
        {
            return new Layout(2);
        }

        var properties = EncodedSize.Property(packet.ReasonString) + EncodedSize.UserProperties(packet.UserProperties);
        return new Layout(2 + EncodedSize.PropertyBlock(properties) + (packet.ReasonCodes?.Count ?? 0), properties);
    }

    private static void WriteUnsubAck(ref MqttWriter writer, UnsubAckPacket packet, ProtocolVersion version, in Layout layout)
    {
        writer.WriteUInt16(packet.PacketId);
        if (version != ProtocolVersion.V500)
        {
            return;
        }

        writer.WriteVariableByteInteger(layout.PropertiesLength);
        writer.WriteProperty(PropertyId.ReasonString, packet.ReasonString);
        writer.WriteUserProperties(packet.UserProperties);
        var codes = packet.ReasonCodes;
        if (codes is not null)
        {
            for (var i = 0; i < codes.Count; i++)
            {
                writer.WriteByte((byte)codes[i]);
            }
        }
    }
}
