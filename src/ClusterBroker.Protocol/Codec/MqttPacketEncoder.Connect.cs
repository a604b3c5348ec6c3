using ClusterBroker.Protocol.Packets;

namespace ClusterBroker.Protocol.Codec;

public static partial class MqttPacketEncoder
{
    // ---- CONNECT (3.1) ----
    // The protocol name and level written follow the version argument ("MQIsdp"/3, "MQTT"/4, "MQTT"/5).

    private static Layout MeasureConnect(ConnectPacket packet, ProtocolVersion version)
    {
        var v5 = version == ProtocolVersion.V500;
        var size = (version == ProtocolVersion.V310 ? 2 + 6 : 2 + 4) + 1 + 1 + 2;
        var properties = 0;
        if (v5)
        {
            properties = EncodedSize.Property(packet.SessionExpiryInterval)
                + EncodedSize.Property(packet.ReceiveMaximum)
                + EncodedSize.Property(packet.MaximumPacketSize)
                + EncodedSize.Property(packet.TopicAliasMaximum)
                + EncodedSize.Property(packet.RequestResponseInformation)
                + EncodedSize.Property(packet.RequestProblemInformation)
                + EncodedSize.UserProperties(packet.UserProperties)
                + EncodedSize.Property(packet.AuthenticationMethod)
                + EncodedSize.Property(packet.AuthenticationData);
            size += EncodedSize.PropertyBlock(properties);
        }

        size += EncodedSize.String(packet.ClientId);
        var willProperties = 0;
        if (packet.Will is { } will)
        {
            if (will.QoS > QualityOfService.ExactlyOnce)
            {
                throw new ArgumentException("Will QoS must be 0, 1 or 2.", nameof(packet));
            }

            if (v5)
            {
                willProperties = EncodedSize.Property(will.WillDelayInterval)
                    + EncodedSize.Property(will.PayloadFormatIndicator)
                    + EncodedSize.Property(will.MessageExpiryInterval)
                    + EncodedSize.Property(will.ContentType)
                    + EncodedSize.Property(will.ResponseTopic)
                    + EncodedSize.Property(will.CorrelationData)
                    + EncodedSize.UserProperties(will.UserProperties);
                size += EncodedSize.PropertyBlock(willProperties);
            }

            size += EncodedSize.String(will.Topic) + EncodedSize.Binary(will.Payload.Length);
        }

        if (packet.Username is not null)
        {
            size += EncodedSize.String(packet.Username);
        }

        if (packet.Password is { } password)
        {
            size += EncodedSize.Binary(password.Length);
        }

        return new Layout(size, properties, willProperties);
    }

    private static void WriteConnect(ref MqttWriter writer, ConnectPacket packet, ProtocolVersion version, in Layout layout)
    {
        if (version == ProtocolVersion.V310)
        {
            writer.WriteBinary("MQIsdp"u8);
        }
        else
        {
            writer.WriteBinary("MQTT"u8);
        }

        writer.WriteByte(packet.IsBridge && version != ProtocolVersion.V500 ? (byte)(0x80 | (byte)version) : (byte)version);
        var flags = 0;
        if (packet.Username is not null)
        {
            flags |= 0x80;
        }

        if (packet.Password is not null)
        {
            flags |= 0x40;
        }

        if (packet.Will is { } w)
        {
            flags |= 0x04 | ((int)w.QoS << 3) | (w.Retain ? 0x20 : 0);
        }

        if (packet.CleanSession)
        {
            flags |= 0x02;
        }

        writer.WriteByte((byte)flags);
        writer.WriteUInt16(packet.KeepAlive);
        var v5 = version == ProtocolVersion.V500;
        if (v5)
        {
            writer.WriteVariableByteInteger(layout.PropertiesLength);
            writer.WriteProperty(PropertyId.SessionExpiryInterval, packet.SessionExpiryInterval);
            writer.WriteProperty(PropertyId.ReceiveMaximum, packet.ReceiveMaximum);
            writer.WriteProperty(PropertyId.MaximumPacketSize, packet.MaximumPacketSize);
            writer.WriteProperty(PropertyId.TopicAliasMaximum, packet.TopicAliasMaximum);
            writer.WriteProperty(PropertyId.RequestResponseInformation, packet.RequestResponseInformation);
            writer.WriteProperty(PropertyId.RequestProblemInformation, packet.RequestProblemInformation);
            writer.WriteUserProperties(packet.UserProperties);
            writer.WriteProperty(PropertyId.AuthenticationMethod, packet.AuthenticationMethod);
            writer.WriteProperty(PropertyId.AuthenticationData, packet.AuthenticationData);
        }

        writer.WriteString(packet.ClientId);
        if (packet.Will is { } will)
        {
            if (v5)
            {
                writer.WriteVariableByteInteger(layout.WillPropertiesLength);
                writer.WriteProperty(PropertyId.WillDelayInterval, will.WillDelayInterval);
                writer.WriteProperty(PropertyId.PayloadFormatIndicator, will.PayloadFormatIndicator);
                writer.WriteProperty(PropertyId.MessageExpiryInterval, will.MessageExpiryInterval);
                writer.WriteProperty(PropertyId.ContentType, will.ContentType);
                writer.WriteProperty(PropertyId.ResponseTopic, will.ResponseTopic);
                writer.WriteProperty(PropertyId.CorrelationData, will.CorrelationData);
                writer.WriteUserProperties(will.UserProperties);
            }

            writer.WriteString(will.Topic);
            writer.WriteBinary(will.Payload.Span);
        }

        if (packet.Username is not null)
        {
            writer.WriteString(packet.Username);
        }

        if (packet.Password is { } password)
        {
            writer.WriteBinary(password.Span);
        }
    }

    // ---- CONNACK (3.2) ----

    private static Layout MeasureConnAck(ConnAckPacket packet, ProtocolVersion version)
    {
        if (version != ProtocolVersion.V500)
        {
            return new Layout(2);
        }

        var properties = EncodedSize.Property(packet.SessionExpiryInterval)
            + EncodedSize.Property(packet.ReceiveMaximum)
            + EncodedSize.Property(packet.MaximumQoS is { } q ? (byte)q : null)
            + EncodedSize.Property(packet.RetainAvailable)
            + EncodedSize.Property(packet.MaximumPacketSize)
            + EncodedSize.Property(packet.AssignedClientIdentifier)
            + EncodedSize.Property(packet.TopicAliasMaximum)
            + EncodedSize.Property(packet.ReasonString)
            + EncodedSize.UserProperties(packet.UserProperties)
            + EncodedSize.Property(packet.WildcardSubscriptionAvailable)
            + EncodedSize.Property(packet.SubscriptionIdentifiersAvailable)
            + EncodedSize.Property(packet.SharedSubscriptionAvailable)
            + EncodedSize.Property(packet.ServerKeepAlive)
            + EncodedSize.Property(packet.ResponseInformation)
            + EncodedSize.Property(packet.ServerReference)
            + EncodedSize.Property(packet.AuthenticationMethod)
            + EncodedSize.Property(packet.AuthenticationData);
        return new Layout(2 + EncodedSize.PropertyBlock(properties), properties);
    }

    private static void WriteConnAck(ref MqttWriter writer, ConnAckPacket packet, ProtocolVersion version, in Layout layout)
    {
        // 3.1 has no Session Present flag: its first byte is reserved.
        writer.WriteByte(packet.SessionPresent && version != ProtocolVersion.V310 ? (byte)1 : (byte)0);
        if (version != ProtocolVersion.V500)
        {
            writer.WriteByte(ReasonCodeMapping.ToConnectReturnCode(packet.ReasonCode));
            return;
        }

        writer.WriteByte((byte)packet.ReasonCode);
        writer.WriteVariableByteInteger(layout.PropertiesLength);
        writer.WriteProperty(PropertyId.SessionExpiryInterval, packet.SessionExpiryInterval);
        writer.WriteProperty(PropertyId.ReceiveMaximum, packet.ReceiveMaximum);
        writer.WriteProperty(PropertyId.MaximumQoS, packet.MaximumQoS is { } q ? (byte)q : null);
        writer.WriteProperty(PropertyId.RetainAvailable, packet.RetainAvailable);
        writer.WriteProperty(PropertyId.MaximumPacketSize, packet.MaximumPacketSize);
        writer.WriteProperty(PropertyId.AssignedClientIdentifier, packet.AssignedClientIdentifier);
        writer.WriteProperty(PropertyId.TopicAliasMaximum, packet.TopicAliasMaximum);
        writer.WriteProperty(PropertyId.ReasonString, packet.ReasonString);
        writer.WriteUserProperties(packet.UserProperties);
        writer.WriteProperty(PropertyId.WildcardSubscriptionAvailable, packet.WildcardSubscriptionAvailable);
        writer.WriteProperty(PropertyId.SubscriptionIdentifierAvailable, packet.SubscriptionIdentifiersAvailable);
        writer.WriteProperty(PropertyId.SharedSubscriptionAvailable, packet.SharedSubscriptionAvailable);
        writer.WriteProperty(PropertyId.ServerKeepAlive, packet.ServerKeepAlive);
        writer.WriteProperty(PropertyId.ResponseInformation, packet.ResponseInformation);
        writer.WriteProperty(PropertyId.ServerReference, packet.ServerReference);
        writer.WriteProperty(PropertyId.AuthenticationMethod, packet.AuthenticationMethod);
        writer.WriteProperty(PropertyId.AuthenticationData, packet.AuthenticationData);
    }

    // ---- DISCONNECT (3.14) and AUTH (3.15) ----

    private static Layout MeasureDisconnect(DisconnectPacket packet, ProtocolVersion version)
    {
        if (version != ProtocolVersion.V500)
        {
            return new Layout(0);
        }

        var properties = EncodedSize.Property(packet.SessionExpiryInterval)
            + EncodedSize.Property(packet.ReasonString)
            + EncodedSize.UserProperties(packet.UserProperties)
            + EncodedSize.Property(packet.ServerReference);
        if (properties == 0)
        {
            return new Layout(packet.ReasonCode == ReasonCode.NormalDisconnection ? 0 : 1);
        }

        return new Layout(1 + EncodedSize.PropertyBlock(properties), properties);
    }

    private static void WriteDisconnect(ref MqttWriter writer, DisconnectPacket packet, ProtocolVersion version, in Layout layout)
    {
        if (version != ProtocolVersion.V500 || layout.RemainingLength == 0)
        {
            return;
        }

        writer.WriteByte((byte)packet.ReasonCode);
        if (layout.RemainingLength > 1)
        {
            writer.WriteVariableByteInteger(layout.PropertiesLength);
            writer.WriteProperty(PropertyId.SessionExpiryInterval, packet.SessionExpiryInterval);
            writer.WriteProperty(PropertyId.ReasonString, packet.ReasonString);
            writer.WriteUserProperties(packet.UserProperties);
            writer.WriteProperty(PropertyId.ServerReference, packet.ServerReference);
        }
    }

    private static Layout MeasureAuth(AuthPacket packet, ProtocolVersion version)
    {
        if (version != ProtocolVersion.V500)
        {
            throw new ArgumentException("AUTH exists only in MQTT 5.0.", nameof(packet));
        }

        var properties = EncodedSize.Property(packet.AuthenticationMethod)
            + EncodedSize.Property(packet.AuthenticationData)
            + EncodedSize.Property(packet.ReasonString)
            + EncodedSize.UserProperties(packet.UserProperties);
        if (properties == 0 && packet.ReasonCode == ReasonCode.Success)
        {
            return new Layout(0);
        }

        return new Layout(1 + EncodedSize.PropertyBlock(properties), properties);
    }

    private static void WriteAuth(ref MqttWriter writer, AuthPacket packet, in Layout layout)
    {
        if (layout.RemainingLength == 0)
        {
            return;
        }

        writer.WriteByte((byte)packet.ReasonCode);
        writer.WriteVariableByteInteger(layout.PropertiesLength);
        writer.WriteProperty(PropertyId.AuthenticationMethod, packet.AuthenticationMethod);
        writer.WriteProperty(PropertyId.AuthenticationData, packet.AuthenticationData);
        writer.WriteProperty(PropertyId.ReasonString, packet.ReasonString);
        writer.WriteUserProperties(packet.UserProperties);
    }
}
