using ClusterBroker.Protocol.Packets;

namespace ClusterBroker.Protocol.Codec;

public sealed partial class MqttPacketDecoder
{
    private const int MaximumV310ClientIdLength = 23;

    /// <summary>CONNECT (3.1): protocol name and level, connect flags, keep alive, properties, payload.</summary>
    private static ConnectPacket? DecodeConnect(ref MqttReader reader, int fixedHeaderFlags)
    {
        if (!reader.ReadStringBytes(out var name, "Protocol Name") || !reader.ReadByte(out var level, "Protocol Level"))
        {
            return null;
        }

        // Bridges (Mosquitto's try_private) set bit 7 of the protocol level of 3.1/3.1.1: 0x83, 0x84.
        var bridge = (level & 0x80) != 0 && (level & 0x7F) is (byte)Protocol.ProtocolVersion.V310 or (byte)Protocol.ProtocolVersion.V311;
        if (bridge)
        {
            level &= 0x7F;
        }

        ProtocolVersion version;
        if (name.SequenceEqual("MQTT"u8))
        {
            if (level != (byte)Protocol.ProtocolVersion.V311 && level != (byte)Protocol.ProtocolVersion.V500)
            {
                reader.Fail(ReasonCode.UnsupportedProtocolVersion, "MQTT-3.1.2-2", $"Protocol level {level} is not supported with protocol name \"MQTT\" (4 and 5 are).");
                return null;
            }

            version = (ProtocolVersion)level;
        }
        else if (name.SequenceEqual("MQIsdp"u8))
        {
            if (level != (byte)Protocol.ProtocolVersion.V310)
            {
                reader.Fail(ReasonCode.UnsupportedProtocolVersion, "MQTT-3.1.2-2", $"Protocol level {level} is not supported with protocol name \"MQIsdp\" (3 is).");
                return null;
            }

            version = Protocol.ProtocolVersion.V310;
        }
        else
        {
            reader.Fail(ReasonCode.UnsupportedProtocolVersion, "MQTT-3.1.2-1", "The protocol name is neither \"MQTT\" nor \"MQIsdp\".");
            return null;
        }

        reader.Version = version;
        var v5 = version == Protocol.ProtocolVersion.V500;
        var v310 = version == Protocol.ProtocolVersion.V310;
        // Only now is the version known: 3.1.1 and 5.0 reserve the fixed header flags of CONNECT; 3.1 calls them "not used".
        if (!v310 && fixedHeaderFlags != 0)
        {
            reader.Fail(ReasonCode.MalformedPacket, v5 ? "MQTT-2.1.3-1" : "MQTT-2.2.2-1", "The reserved fixed header flags of CONNECT must be 0000.");
            return null;
        }

        if (!reader.ReadByte(out var connectFlags, "Connect Flags") || !reader.ReadUInt16(out var keepAlive, "Keep Alive"))
        {
            return null;
        }

        if ((connectFlags & 0x01) != 0 && !v310)
        {
            reader.Fail(ReasonCode.MalformedPacket, "MQTT-3.1.2-3", "The reserved bit 0 of the Connect Flags is not 0.");
            return null;
        }

        var cleanSession = (connectFlags & 0x02) != 0;
        var willFlag = (connectFlags & 0x04) != 0;
        var willQoS = (connectFlags >> 3) & 0x03;
        var willRetain = (connectFlags & 0x20) != 0;
        var passwordFlag = (connectFlags & 0x40) != 0;
        var userNameFlag = (connectFlags & 0x80) != 0;

        if (!willFlag)
        {
            if (willQoS != 0)
            {
                reader.Fail(ReasonCode.MalformedPacket, reader.Rule("MQTT-3.1.2-11", "MQTT-3.1.2-13"), "The Will QoS is not 0 although the Will Flag is 0.");
                return null;
            }

            if (willRetain)
            {
                reader.Fail(ReasonCode.MalformedPacket, reader.Rule("MQTT-3.1.2-13", "MQTT-3.1.2-15"), "The Will Retain flag is set although the Will Flag is 0.");
                return null;
            }
        }
        else if (willQoS == 3)
        {
            reader.Fail(ReasonCode.MalformedPacket, reader.Rule("MQTT-3.1.2-12", "MQTT-3.1.2-14"), "The Will QoS is 3.");
            return null;
        }

        if (passwordFlag && !userNameFlag && !v5)
        {
            reader.Fail(ReasonCode.MalformedPacket, "MQTT-3.1.2-22", "The Password Flag is set although the User Name Flag is 0.");
            return null;
        }

        var properties = default(DecodedProperties);
        if (v5 && !PropertyReader.Read(ref reader, PropertyTargets.Connect, ref properties))
        {
            return null;
        }

        if (properties.AuthenticationData is not null && properties.AuthenticationMethod is null)
        {
            reader.Fail(ReasonCode.ProtocolError, "MQTT-3.1.2.11.10", "CONNECT includes Authentication Data without an Authentication Method.");
            return null;
        }

        // Payload: Client Identifier, Will Properties, Will Topic, Will Payload, User Name, Password.
        if (!reader.ReadString(out var clientId, "Client Identifier"))
        {
            return null;
        }

        if (v310 && (clientId.Length == 0 || clientId.Length > MaximumV310ClientIdLength))
        {
            reader.Fail(ReasonCode.ClientIdentifierNotValid, "MQTT-v3.1-3.1", "An MQTT 3.1 Client Identifier must be 1 to 23 characters long.");
            return null;
        }

        if (version == Protocol.ProtocolVersion.V311 && clientId.Length == 0 && !cleanSession)
        {
            reader.Fail(ReasonCode.ClientIdentifierNotValid, "MQTT-3.1.3-8", "A zero-byte Client Identifier requires Clean Session 1.");
            return null;
        }

        WillMessage? will = null;
        if (willFlag)
        {
            var willProperties = default(DecodedProperties);
            if (v5 && !PropertyReader.Read(ref reader, PropertyTargets.Will, ref willProperties))
            {
                return null;
            }

            if (!reader.ReadString(out var willTopic, "Will Topic") || !CheckTopicName(ref reader, willTopic, "Will Topic", hasTopicAlias: false))
            {
                return null;
            }

            if (!reader.ReadBinary(out var willPayload, "Will Payload"))
            {
                return null;
            }

            will = new WillMessage
            {
                Topic = willTopic,
                Payload = willPayload,
                QoS = (QualityOfService)willQoS,
                Retain = willRetain,
                WillDelayInterval = willProperties.WillDelayInterval,
                PayloadFormatIndicator = willProperties.PayloadFormatIndicator,
                MessageExpiryInterval = willProperties.MessageExpiryInterval,
                ContentType = willProperties.ContentType,
                ResponseTopic = willProperties.ResponseTopic,
                CorrelationData = willProperties.CorrelationData,
                UserProperties = willProperties.UserProperties,
            };
        }

        string? userName = null;
        if (userNameFlag && !reader.ReadString(out userName, "User Name"))
        {
            return null;
        }

        ReadOnlyMemory<byte>? password = null;
        if (passwordFlag)
        {
            if (!reader.ReadBinary(out var passwordBytes, "Password"))
            {
                return null;
            }

            password = passwordBytes;
        }

        if (!reader.ExpectEnd("CONNECT"))
        {
            return null;
        }

        return new ConnectPacket
        {
            ProtocolVersion = version,
            ClientId = clientId,
            IsBridge = bridge,
            CleanSession = cleanSession,
            KeepAlive = keepAlive,
            Username = userName,
            Password = password,
            Will = will,
            SessionExpiryInterval = properties.SessionExpiryInterval,
            ReceiveMaximum = properties.ReceiveMaximum,
            MaximumPacketSize = properties.MaximumPacketSize,
            TopicAliasMaximum = properties.TopicAliasMaximum,
            RequestResponseInformation = properties.RequestResponseInformation is { } rri ? rri == 1 : null,
            RequestProblemInformation = properties.RequestProblemInformation is { } rpi ? rpi == 1 : null,
            AuthenticationMethod = properties.AuthenticationMethod,
            AuthenticationData = properties.AuthenticationData,
            UserProperties = properties.UserProperties,
        };
    }

    /// <summary>CONNACK (3.2): acknowledge flags, return code (3.1/3.1.1) or reason code and properties (5.0).</summary>
    private static ConnAckPacket? DecodeConnAck(ref MqttReader reader)
    {
        if (!reader.ReadByte(out var ackFlags, "Connect Acknowledge Flags") || !reader.ReadByte(out var code, "Connect Reason Code"))
        {
            return null;
        }

        var version = reader.Version;
        var sessionPresent = false;
        if (version != Protocol.ProtocolVersion.V310)
        {
            if ((ackFlags & 0xFE) != 0)
            {
                reader.Fail(ReasonCode.MalformedPacket, reader.Rule("MQTT-3.2.2-1", "MQTT-3.2.2.1"), "Bits 7-1 of the Connect Acknowledge Flags are reserved and must be 0.");
                return null;
            }

            sessionPresent = (ackFlags & 0x01) != 0;
        }

        ReasonCode reasonCode;
        var properties = default(DecodedProperties);
        if (reader.IsV5)
        {
            reasonCode = (ReasonCode)code;
            if (!ReasonCodeSets.IsValidConnAck(code))
            {
                reader.Fail(ReasonCode.ProtocolError, "MQTT-3.2.2-8", $"0x{code:X2} is not a CONNACK reason code.");
                return null;
            }

            if (!PropertyReader.Read(ref reader, PropertyTargets.ConnAck, ref properties))
            {
                return null;
            }
        }
        else if (!ReasonCodeMapping.TryFromConnectReturnCode(code, out reasonCode))
        {
            reader.Fail(ReasonCode.ProtocolError, "MQTT-3.2.2.3", $"CONNACK return code {code} is reserved.");
            return null;
        }

        if (sessionPresent && reasonCode != ReasonCode.Success)
        {
            reader.Fail(ReasonCode.ProtocolError, reader.Rule("MQTT-3.2.2-6", "MQTT-3.2.2-4"), "Session Present is set in a CONNACK that refuses the connection.");
            return null;
        }

        if (!reader.ExpectEnd("CONNACK"))
        {
            return null;
        }

        return new ConnAckPacket
        {
            SessionPresent = sessionPresent,
            ReasonCode = reasonCode,
            SessionExpiryInterval = properties.SessionExpiryInterval,
            ReceiveMaximum = properties.ReceiveMaximum,
            MaximumQoS = properties.MaximumQoS is { } maximumQoS ? (QualityOfService)maximumQoS : null,
            RetainAvailable = ToBool(properties.RetainAvailable),
            MaximumPacketSize = properties.MaximumPacketSize,
            AssignedClientIdentifier = properties.AssignedClientIdentifier,
            TopicAliasMaximum = properties.TopicAliasMaximum,
            ReasonString = properties.ReasonString,
            UserProperties = properties.UserProperties,
            WildcardSubscriptionAvailable = ToBool(properties.WildcardSubscriptionAvailable),
            SubscriptionIdentifiersAvailable = ToBool(properties.SubscriptionIdentifierAvailable),
            SharedSubscriptionAvailable = ToBool(properties.SharedSubscriptionAvailable),
            ServerKeepAlive = properties.ServerKeepAlive,
            ResponseInformation = properties.ResponseInformation,
            ServerReference = properties.ServerReference,
            AuthenticationMethod = properties.AuthenticationMethod,
            AuthenticationData = properties.AuthenticationData,
        };
    }

    private static bool? ToBool(byte? value) => value is { } b ? b == 1 : null;

    /// <summary>Topic Name rules (4.7): non-empty unless a 5.0 Topic Alias stands for it, no wildcards (U+0000 is refused with the string).</summary>
    private static bool CheckTopicName(ref MqttReader reader, string topic, string what, bool hasTopicAlias)
    {
        if (topic.Length == 0)
        {
            return hasTopicAlias || reader.Fail(reader.IsV5 ? ReasonCode.ProtocolError : ReasonCode.MalformedPacket, "MQTT-4.7.3-1",
                $"The {what} is empty{(reader.IsV5 && what == "Topic Name" ? " and there is no Topic Alias" : string.Empty)}.");
        }

        if (topic.AsSpan().IndexOfAny('+', '#') >= 0)
        {
            return reader.Fail(ReasonCode.TopicNameInvalid, what == "Topic Name" ? "MQTT-3.3.2-2" : reader.Rule("MQTT-4.7.0-1", "MQTT-4.7.1-1"),
                $"The {what} \"{topic}\" contains a wildcard character.");
        }

        return true;
    }
}
