using ClusterBroker.Protocol.Packets;

namespace ClusterBroker.Protocol.Codec;

public sealed partial class MqttPacketDecoder
{
    /// <summary>SUBSCRIBE (3.8): packet identifier, properties (5.0), then topic filter / options pairs.</summary>
    private static SubscribePacket? DecodeSubscribe(ref MqttReader reader)
    {
        if (!ReadPacketId(ref reader, out var packetId, "SUBSCRIBE"))
        {
            return null;
        }

        var properties = default(DecodedProperties);
        if (reader.IsV5 && !PropertyReader.Read(ref reader, PropertyTargets.Subscribe, ref properties))
        {
            return null;
        }

        var subscriptions = new List<TopicSubscription>(1);
        while (reader.Remaining > 0)
        {
            if (!ReadTopicFilter(ref reader, out var filter) || !reader.ReadByte(out var options, "Subscription Options"))
            {
                return null;
            }

            var qos = options & 0x03;
            if (reader.IsV5)
            {
                if ((options & 0xC0) != 0)
                {
                    reader.Fail(ReasonCode.MalformedPacket, "MQTT-3.8.3-5", "Bits 7-6 of the Subscription Options are reserved and must be 0.");
                    return null;
                }

                if (qos == 3)
                {
                    reader.Fail(ReasonCode.ProtocolError, "MQTT-3.8.3.1", "The Maximum QoS of a subscription is 3.");
                    return null;
                }

                var retainHandling = (options >> 4) & 0x03;
                if (retainHandling == 3)
                {
                    reader.Fail(ReasonCode.ProtocolError, "MQTT-3.8.3.1", "Retain Handling 3 is a Protocol Error.");
                    return null;
                }

                var noLocal = (options & 0x04) != 0;
                if (noLocal && filter.StartsWith("$share/", StringComparison.Ordinal))
                {
                    reader.Fail(ReasonCode.ProtocolError, "MQTT-3.8.3-4", "No Local is set on a Shared Subscription.");
                    return null;
                }

                subscriptions.Add(new TopicSubscription
                {
                    Filter = filter,
                    MaximumQoS = (QualityOfService)qos,
                    NoLocal = noLocal,
                    RetainAsPublished = (options & 0x08) != 0,
                    RetainHandling = (RetainHandling)retainHandling,
                });
                continue;
            }

            if (reader.Version == Protocol.ProtocolVersion.V311 && (options & 0xFC) != 0)
            {
                reader.Fail(ReasonCode.MalformedPacket, "MQTT-3.8.3-4", "Bits 7-2 of the requested QoS byte are reserved and must be 0.");
                return null;
            }

            if (qos == 3)
            {
                reader.Fail(ReasonCode.MalformedPacket, "MQTT-3.8.3-4", "The requested QoS of a subscription is 3.");
                return null;
            }

            subscriptions.Add(new TopicSubscription { Filter = filter, MaximumQoS = (QualityOfService)qos });
        }

        if (subscriptions.Count == 0)
        {
            reader.Fail(ReasonCode.ProtocolError, reader.Rule("MQTT-3.8.3-2", "MQTT-3.8.3-3"), "A SUBSCRIBE packet must contain at least one topic filter.");
            return null;
        }

        return new SubscribePacket
        {
            PacketId = packetId,
            Subscriptions = subscriptions,
            SubscriptionIdentifier = properties.SubscriptionIdentifier,
            UserProperties = properties.UserProperties,
        };
    }

    /// <summary>UNSUBSCRIBE (3.10): packet identifier, properties (5.0), then topic filters.</summary>
    private static UnsubscribePacket? DecodeUnsubscribe(ref MqttReader reader)
    {
        if (!ReadPacketId(ref reader, out var packetId, "UNSUBSCRIBE"))
        {
            return null;
        }

        var properties = default(DecodedProperties);
        if (reader.IsV5 && !PropertyReader.Read(ref reader, PropertyTargets.Unsubscribe, ref properties))
        {
            return null;
        }

        var filters = new List<string>(1);
        while (reader.Remaining > 0)
        {
            if (!ReadTopicFilter(ref reader, out var filter))
            {
                return null;
            }

            filters.Add(filter);
        }

        if (filters.Count == 0)
        {
            reader.Fail(ReasonCode.ProtocolError, "MQTT-3.10.3-2", "An UNSUBSCRIBE packet must contain at least one topic filter.");
            return null;
        }

        return new UnsubscribePacket { PacketId = packetId, Filters = filters, UserProperties = properties.UserProperties };
    }

    /// <summary>SUBACK (3.9): packet identifier, properties (5.0), one return/reason code per filter.</summary>
    private static SubAckPacket? DecodeSubAck(ref MqttReader reader)
    {
        if (!ReadPacketId(ref reader, out var packetId, "SUBACK"))
        {
            return null;
        }

        var properties = default(DecodedProperties);
        if (reader.IsV5 && !PropertyReader.Read(ref reader, PropertyTargets.SubAck, ref properties))
        {
            return null;
        }

        var codes = new List<ReasonCode>(Math.Max(reader.Remaining, 1));
        while (reader.Remaining > 0)
        {
            reader.ReadByte(out var code, "Reason Code");
            if (reader.IsV5)
            {
                if (!ReasonCodeSets.IsValidFor(PacketType.SubAck, code))
                {
                    reader.Fail(ReasonCode.ProtocolError, "MQTT-3.9.3-2", $"0x{code:X2} is not a SUBACK reason code.");
                    return null;
                }

                codes.Add((ReasonCode)code);
            }
            else
            {
                if (code > 2 && code != 0x80)
                {
                    reader.Fail(ReasonCode.ProtocolError, "MQTT-3.9.3-2", $"0x{code:X2} is not a SUBACK return code.");
                    return null;
                }

                codes.Add(ReasonCodeMapping.FromSubAckReturnCode(code));
            }
        }

        if (codes.Count == 0)
        {
            reader.Fail(ReasonCode.ProtocolError, "MQTT-3.9.3-1", "A SUBACK must contain a return code for each topic filter (it has none).");
            return null;
        }

        return new SubAckPacket { PacketId = packetId, ReasonCodes = codes, ReasonString = properties.ReasonString, UserProperties = properties.UserProperties };
    }

    /// <summary>UNSUBACK (3.11): packet identifier only before 5.0; in 5.0 properties and one reason code per filter.</summary>
    private static UnsubAckPacket? DecodeUnsubAck(ref MqttReader reader)
    {
        if (!ReadPacketId(ref reader, out var packetId, "UNSUBACK"))
        {
            return null;
        }

        if (!reader.IsV5)
        {
            return reader.ExpectEnd("UNSUBACK") ? new UnsubAckPacket { PacketId = packetId } : null;
        }

        var properties = default(DecodedProperties);
        if (!PropertyReader.Read(ref reader, PropertyTargets.UnsubAck, ref properties))
        {
            return null;
        }

        var codes = new List<ReasonCode>(Math.Max(reader.Remaining, 1));
        while (reader.Remaining > 0)
        {
            reader.ReadByte(out var code, "Reason Code");
            if (!ReasonCodeSets.IsValidFor(PacketType.UnsubAck, code))
            {
                reader.Fail(ReasonCode.ProtocolError, "MQTT-3.11.3-2", $"0x{code:X2} is not an UNSUBACK reason code.");
                return null;
            }

            codes.Add((ReasonCode)code);
        }

        if (codes.Count == 0)
        {
            reader.Fail(ReasonCode.ProtocolError, "MQTT-3.11.3-1", "An UNSUBACK must contain a reason code for each topic filter (it has none).");
            return null;
        }

        return new UnsubAckPacket { PacketId = packetId, ReasonCodes = codes, ReasonString = properties.ReasonString, UserProperties = properties.UserProperties };
    }

    /// <summary>A topic filter: a UTF-8 Encoded String at least one character long [MQTT-4.7.3-1].</summary>
    private static bool ReadTopicFilter(ref MqttReader reader, out string filter)
    {
        if (!reader.ReadString(out filter, "Topic Filter"))
        {
            return false;
        }

        return filter.Length > 0 || reader.Fail(reader.IsV5 ? ReasonCode.TopicFilterInvalid : ReasonCode.MalformedPacket, "MQTT-4.7.3-1", "A Topic Filter is empty.");
    }
}
