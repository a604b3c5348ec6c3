using System.Text;
using ClusterBroker.Protocol.Packets;

namespace ClusterBroker.Protocol.Codec;

public sealed partial class MqttPacketDecoder
{
    /// <summary>PUBLISH (3.3): topic name, packet identifier (QoS > 0), properties (5.0), payload (the rest).</summary>
    private PublishPacket? DecodePublish(ref MqttReader reader, int flags)
    {
        var qos = (QualityOfService)((flags >> 1) & 0x03);
        if (!ReadTopicName(ref reader, out var topic))
        {
            return null;
        }

        ushort packetId = 0;
        if (qos != QualityOfService.AtMostOnce && !ReadPacketId(ref reader, out packetId, "PUBLISH"))
        {
            return null;
        }

        // Before 5.0, and in 5.0 with an empty property block (the common case), there is nothing more
        // than topic, identifier and payload.
        if (!reader.IsV5 || reader.TryReadEmptyPropertyLength())
        {
            if (topic.Length == 0 && !CheckTopicName(ref reader, topic, "Topic Name", hasTopicAlias: false))
            {
                return null;
            }

            return new PublishPacket
            {
                Topic = topic,
                QoS = qos,
                Dup = (flags & 0x08) != 0,
                Retain = (flags & 0x01) != 0,
                PacketId = packetId,
                Payload = reader.ReadRest(),
            };
        }

        var properties = default(DecodedProperties);
        if (!PropertyReader.Read(ref reader, PropertyTargets.Publish, ref properties) ||
            (topic.Length == 0 && !CheckTopicName(ref reader, topic, "Topic Name", hasTopicAlias: properties.TopicAlias is not null)))
        {
            return null;
        }

        return new PublishPacket
        {
            Topic = topic,
            QoS = qos,
            Dup = (flags & 0x08) != 0,
            Retain = (flags & 0x01) != 0,
            PacketId = packetId,
            PayloadFormatIndicator = properties.PayloadFormatIndicator,
            MessageExpiryInterval = properties.MessageExpiryInterval,
            TopicAlias = properties.TopicAlias,
            ResponseTopic = properties.ResponseTopic,
            CorrelationData = properties.CorrelationData,
            UserProperties = properties.UserProperties,
            SubscriptionIdentifiers = properties.SubscriptionIdentifiers,
            ContentType = properties.ContentType,
            Payload = reader.ReadRest(),
        };
    }

    /// <summary>
    /// The PUBLISH Topic Name: a UTF-8 Encoded String without wildcards [MQTT-3.3.2-2]; emptiness is
    /// checked by the caller (allowed in 5.0 with a Topic Alias). Recent names come from the topic cache.
    /// </summary>
    private bool ReadTopicName(ref MqttReader reader, out string topic)
    {
        topic = string.Empty;
        if (!reader.ReadStringBytes(out var bytes, "Topic Name"))
        {
            return false;
        }

        if (bytes.Length == 0)
        {
            return true;
        }

        var cache = _topicNameCache;
        if (cache is not null && cache.TryGet(bytes, out topic))
        {
            return true;
        }

        if (!reader.ValidateUtf8(bytes, "Topic Name"))
        {
            return false;
        }

        if (bytes.IndexOfAny((byte)'+', (byte)'#') >= 0)
        {
            return reader.Fail(ReasonCode.TopicNameInvalid, "MQTT-3.3.2-2", $"The Topic Name \"{Encoding.UTF8.GetString(bytes)}\" contains a wildcard character.");
        }

        if (cache is null && _topicNameCacheSize > 0)
        {
            cache = _topicNameCache = new TopicNameCache(_topicNameCacheSize);
        }

        topic = cache is null ? Encoding.UTF8.GetString(bytes) : cache.Add(bytes);
        return true;
    }

    /// <summary>PUBACK, PUBREC, PUBREL, PUBCOMP (3.4-3.7); in 5.0 the reason code and property length may be omitted.</summary>
    private static PacketIdentifierAckPacket? DecodePacketIdentifierAck(ref MqttReader reader, PacketType type)
    {
        var name = type.ToString().ToUpperInvariant();
        if (!ReadPacketId(ref reader, out var packetId, name))
        {
            return null;
        }

        var reasonCode = ReasonCode.Success;
        var properties = default(DecodedProperties);
        if (reader.IsV5)
        {
            // Remaining Length 2: Success and no properties; 3: a reason code and no properties.
            if (reader.Remaining > 0)
            {
                if (!reader.ReadByte(out var code, "Reason Code"))
                {
                    return null;
                }

                if (!ReasonCodeSets.IsValidFor(type, code))
                {
                    var rule = type switch
                    {
                        PacketType.PubAck => "MQTT-3.4.2-1",
                        PacketType.PubRec => "MQTT-3.5.2-1",
                        PacketType.PubRel => "MQTT-3.6.2-1",
                        _ => "MQTT-3.7.2-1",
                    };
                    reader.Fail(ReasonCode.ProtocolError, rule, $"0x{code:X2} is not a {name} reason code.");
                    return null;
                }

                reasonCode = (ReasonCode)code;
                if (reader.Remaining > 0)
                {
                    var target = PropertyDefinitions.TargetOf(type);
                    if (!PropertyReader.Read(ref reader, target, ref properties))
                    {
                        return null;
                    }
                }
            }
        }

        if (!reader.ExpectEnd(name))
        {
            return null;
        }

        return type switch
        {
            PacketType.PubAck => new PubAckPacket { PacketId = packetId, ReasonCode = reasonCode, ReasonString = properties.ReasonString, UserProperties = properties.UserProperties },
            PacketType.PubRec => new PubRecPacket { PacketId = packetId, ReasonCode = reasonCode, ReasonString = properties.ReasonString, UserProperties = properties.UserProperties },
            PacketType.PubRel => new PubRelPacket { PacketId = packetId, ReasonCode = reasonCode, ReasonString = properties.ReasonString, UserProperties = properties.UserProperties },
            _ => new PubCompPacket { PacketId = packetId, ReasonCode = reasonCode, ReasonString = properties.ReasonString, UserProperties = properties.UserProperties },
        };
    }

    /// <summary>DISCONNECT (3.14): empty before 5.0; in 5.0 the reason code and properties may be omitted.</summary>
    private static DisconnectPacket? DecodeDisconnect(ref MqttReader reader)
    {
        if (!reader.IsV5 || reader.Remaining == 0)
        {
            return reader.ExpectEnd("DISCONNECT") ? DisconnectPacket.Normal : null;
        }

        if (!reader.ReadByte(out var code, "Reason Code"))
        {
            return null;
        }

        if (!ReasonCodeSets.IsValidFor(PacketType.Disconnect, code))
        {
            reader.Fail(ReasonCode.ProtocolError, "MQTT-3.14.2-1", $"0x{code:X2} is not a DISCONNECT reason code.");
            return null;
        }

        var properties = default(DecodedProperties);
        if (reader.Remaining > 0 && !PropertyReader.Read(ref reader, PropertyTargets.Disconnect, ref properties))
        {
            return null;
        }

        if (!reader.ExpectEnd("DISCONNECT"))
        {
            return null;
        }

        return new DisconnectPacket
        {
            ReasonCode = (ReasonCode)code,
            SessionExpiryInterval = properties.SessionExpiryInterval,
            ReasonString = properties.ReasonString,
            UserProperties = properties.UserProperties,
            ServerReference = properties.ServerReference,
        };
    }

    /// <summary>AUTH (3.15, 5.0 only): Remaining Length 0 means Success without properties.</summary>
    private static AuthPacket? DecodeAuth(ref MqttReader reader)
    {
        if (reader.Remaining == 0)
        {
            return new AuthPacket();
        }

        if (!reader.ReadByte(out var code, "Reason Code"))
        {
            return null;
        }

        if (!ReasonCodeSets.IsValidFor(PacketType.Auth, code))
        {
            reader.Fail(ReasonCode.ProtocolError, "MQTT-3.15.2-1", $"0x{code:X2} is not an AUTH reason code.");
            return null;
        }

        var properties = default(DecodedProperties);
        if (!PropertyReader.Read(ref reader, PropertyTargets.Auth, ref properties) || !reader.ExpectEnd("AUTH"))
        {
            return null;
        }

        if (properties.AuthenticationData is not null && properties.AuthenticationMethod is null)
        {
            reader.Fail(ReasonCode.ProtocolError, "MQTT-3.15.2.2.3", "AUTH includes Authentication Data without an Authentication Method.");
            return null;
        }

        return new AuthPacket
        {
            ReasonCode = (ReasonCode)code,
            AuthenticationMethod = properties.AuthenticationMethod,
            AuthenticationData = properties.AuthenticationData,
            ReasonString = properties.ReasonString,
            UserProperties = properties.UserProperties,
        };
    }
}
