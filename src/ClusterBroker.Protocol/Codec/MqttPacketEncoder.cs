using System.Buffers;
using ClusterBroker.Protocol.Packets;

namespace ClusterBroker.Protocol.Codec;

/// <summary>
/// Encodes control packets for MQTT 3.1, 3.1.1 or 5.0 into an <see cref="IBufferWriter{T}"/>.
/// The remaining length and every property length are computed exactly before writing, so
/// <see cref="GetEncodedSize"/> equals the bytes <see cref="Encode"/> writes. The 3.1/3.1.1 encodings
/// ignore the v5-only fields and map reason codes through <see cref="ReasonCodeMapping"/>; 5.0 uses the
/// short forms (PUBACK etc. without reason code and properties when Success, DISCONNECT and AUTH of
/// remaining length 0). Packets that cannot be encoded (AUTH before 5.0, oversized strings, a remaining
/// length above 268,435,455) throw <see cref="ArgumentException"/>.
/// </summary>
public static partial class MqttPacketEncoder
{
    /// <summary>Total bytes on the wire, payload included.</summary>
    public static int GetEncodedSize(MqttPacket packet, ProtocolVersion version)
    {
        ArgumentNullException.ThrowIfNull(packet);
        var layout = Measure(packet, version);
        return 1 + EncodedSize.VariableByteInteger(layout.RemainingLength) + layout.RemainingLength;
    }

    /// <summary>Writes the whole packet (payload included) to <paramref name="output"/>.</summary>
    public static void Encode(MqttPacket packet, ProtocolVersion version, IBufferWriter<byte> output)
    {
        ArgumentNullException.ThrowIfNull(packet);
        ArgumentNullException.ThrowIfNull(output);
        var layout = Measure(packet, version);
        var total = 1 + EncodedSize.VariableByteInteger(layout.RemainingLength) + layout.RemainingLength;
        var writer = new MqttWriter(output.GetSpan(total));
        writer.WriteByte(FixedHeaderByte(packet));
        writer.WriteVariableByteInteger(layout.RemainingLength);
        WriteBody(ref writer, packet, version, layout);
        output.Advance(total);
    }

    /// <summary>
    /// Writes only the fixed and variable header of a PUBLISH (its remaining length counts the payload);
    /// the caller sends <see cref="PublishPacket.Payload"/> as its own segment right after. Returns the bytes written.
    /// </summary>
    public static int EncodePublishHeader(PublishPacket packet, ProtocolVersion version, IBufferWriter<byte> output)
    {
        ArgumentNullException.ThrowIfNull(packet);
        ArgumentNullException.ThrowIfNull(output);
        var layout = MeasurePublish(packet, version);
        var headerLength = 1 + EncodedSize.VariableByteInteger(layout.RemainingLength) + layout.RemainingLength - packet.Payload.Length;
        var writer = new MqttWriter(output.GetSpan(headerLength));
        writer.WriteByte(FixedHeaderByte(packet));
        writer.WriteVariableByteInteger(layout.RemainingLength);
        WritePublishVariableHeader(ref writer, packet, version, layout);
        output.Advance(headerLength);
        return headerLength;
    }

    private static byte FixedHeaderByte(MqttPacket packet)
    {
        var type = (byte)((byte)packet.Type << 4);
        return packet switch
        {
            PublishPacket publish => (byte)(type | (publish.Dup ? 0x08 : 0) | ((int)publish.QoS << 1) | (publish.Retain ? 0x01 : 0)),
            PubRelPacket or SubscribePacket or UnsubscribePacket => (byte)(type | 0x02),
            _ => type,
        };
    }

    /// <summary>Sizes computed once per encode: the remaining length and the property block lengths.</summary>
    private readonly record struct Layout(int RemainingLength, int PropertiesLength = 0, int WillPropertiesLength = 0);

    private static Layout Measure(MqttPacket packet, ProtocolVersion version)
    {
        var layout = packet switch
        {
            PublishPacket publish => MeasurePublish(publish, version),
            PacketIdentifierAckPacket ack => MeasureAck(ack, version),
            ConnectPacket connect => MeasureConnect(connect, version),
            ConnAckPacket connAck => MeasureConnAck(connAck, version),
            SubscribePacket subscribe => MeasureSubscribe(subscribe, version),
            SubAckPacket subAck => MeasureSubAck(subAck, version),
            UnsubscribePacket unsubscribe => MeasureUnsubscribe(unsubscribe, version),
            UnsubAckPacket unsubAck => MeasureUnsubAck(unsubAck, version),
            PingReqPacket or PingRespPacket => new Layout(0),
            DisconnectPacket disconnect => MeasureDisconnect(disconnect, version),
            AuthPacket auth => MeasureAuth(auth, version),
            _ => throw new ArgumentException($"Unknown packet type {packet.GetType().Name}.", nameof(packet)),
        };

        if (layout.RemainingLength > EncodedSize.MaximumVariableByteInteger)
        {
            throw new ArgumentException($"The packet's remaining length {layout.RemainingLength} exceeds 268,435,455 bytes.", nameof(packet));
        }

        return layout;
    }

    private static void WriteBody(ref MqttWriter writer, MqttPacket packet, ProtocolVersion version, in Layout layout)
    {
        switch (packet)
        {
            case PublishPacket publish:
                WritePublishVariableHeader(ref writer, publish, version, layout);
                writer.WriteBytes(publish.Payload.Span);
                break;
            case PacketIdentifierAckPacket ack:
                WriteAck(ref writer, ack, version, layout);
                break;
            case ConnectPacket connect:
                WriteConnect(ref writer, connect, version, layout);
                break;
            case ConnAckPacket connAck:
                WriteConnAck(ref writer, connAck, version, layout);
                break;
            case SubscribePacket subscribe:
                WriteSubscribe(ref writer, subscribe, version, layout);
                break;
            case SubAckPacket subAck:
                WriteSubAck(ref writer, subAck, version, layout);
                break;
            case UnsubscribePacket unsubscribe:
                WriteUnsubscribe(ref writer, unsubscribe, version, layout);
                break;
            case UnsubAckPacket unsubAck:
                WriteUnsubAck(ref writer, unsubAck, version, layout);
                break;
            case DisconnectPacket disconnect:
                WriteDisconnect(ref writer, disconnect, version, layout);
                break;
            case AuthPacket auth:
                WriteAuth(ref writer, auth, layout);
                break;
        }
    }

    // ---- PUBLISH (3.3) ----

    private static Layout MeasurePublish(PublishPacket packet, ProtocolVersion version)
    {
        if (packet.QoS > QualityOfService.ExactlyOnce)
        {
            throw new ArgumentException("QoS must be 0, 1 or 2.", nameof(packet));
        }

        var size = EncodedSize.String(packet.Topic) + (packet.QoS == QualityOfService.AtMostOnce ? 0 : 2);
        var properties = 0;
        if (version == ProtocolVersion.V500)
        {
            properties = EncodedSize.Property(packet.PayloadFormatIndicator)
                + EncodedSize.Property(packet.MessageExpiryInterval)
                + EncodedSize.Property(packet.TopicAlias)
                + EncodedSize.Property(packet.ResponseTopic)
                + EncodedSize.Property(packet.CorrelationData)
                + EncodedSize.UserProperties(packet.UserProperties)
                + EncodedSize.Property(packet.ContentType);
            var subscriptionIds = packet.SubscriptionIdentifiers;
            if (subscriptionIds is not null)
            {
                for (var i = 0; i < subscriptionIds.Count; i++)
                {
                    properties += EncodedSize.SubscriptionIdentifier(subscriptionIds[i]);
                }
            }

            size += EncodedSize.PropertyBlock(properties);
        }

        return new Layout(checked(size + packet.Payload.Length), properties);
    }

    private static void WritePublishVariableHeader(ref MqttWriter writer, PublishPacket packet, ProtocolVersion version, in Layout layout)
    {
        writer.WriteString(packet.Topic);
        if (packet.QoS != QualityOfService.AtMostOnce)
        {
            writer.WriteUInt16(packet.PacketId);
        }

        if (version == ProtocolVersion.V500)
        {
            writer.WriteVariableByteInteger(layout.PropertiesLength);
            if (layout.PropertiesLength > 0)
            {
                writer.WriteProperty(PropertyId.PayloadFormatIndicator, packet.PayloadFormatIndicator);
                writer.WriteProperty(PropertyId.MessageExpiryInterval, packet.MessageExpiryInterval);
                writer.WriteProperty(PropertyId.TopicAlias, packet.TopicAlias);
                writer.WriteProperty(PropertyId.ResponseTopic, packet.ResponseTopic);
                writer.WriteProperty(PropertyId.CorrelationData, packet.CorrelationData);
                writer.WriteUserProperties(packet.UserProperties);
                var subscriptionIds = packet.SubscriptionIdentifiers;
                if (subscriptionIds is not null)
                {
                    for (var i = 0; i < subscriptionIds.Count; i++)
                    {
                        writer.WriteSubscriptionIdentifier(subscriptionIds[i]);
                    }
                }

                writer.WriteProperty(PropertyId.ContentType, packet.ContentType);
            }
        }
    }

    // ---- PUBACK, PUBREC, PUBREL, PUBCOMP (3.4-3.7) ----

    private static Layout MeasureAck(PacketIdentifierAckPacket packet, ProtocolVersion version)
    {
        if (version != ProtocolVersion.V500)
        {
            return new Layout(2);
        }

        var properties = EncodedSize.Property(packet.ReasonString) + EncodedSize.UserProperties(packet.UserProperties);
        if (properties == 0)
        {
            return new Layout(packet.ReasonCode == ReasonCode.Success ? 2 : 3);
        }

        return new Layout(3 + EncodedSize.PropertyBlock(properties), properties);
    }

    private static void WriteAck(ref MqttWriter writer, PacketIdentifierAckPacket packet, ProtocolVersion version, in Layout layout)
    {
        writer.WriteUInt16(packet.PacketId);
        if (version != ProtocolVersion.V500 || layout.RemainingLength == 2)
        {
            return;
        }

        writer.WriteByte((byte)packet.ReasonCode);
        if (layout.RemainingLength > 3)
        {
            writer.WriteVariableByteInteger(layout.PropertiesLength);
            writer.WriteProperty(PropertyId.ReasonString, packet.ReasonString);
            writer.WriteUserProperties(packet.UserProperties);
        }
    }
}
