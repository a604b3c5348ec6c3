namespace ClusterBroker.Protocol.Codec;

/// <summary>Reads one MQTT 5.0 property block (2.2.2) and checks each property against <see cref="PropertyDefinitions"/>.</summary>
internal static class PropertyReader
{
    private const string PropertiesRule = "MQTT-2.2.2.2";

    /// <summary>Reads Property Length and the properties it covers into <paramref name="values"/>.</summary>
    public static bool Read(ref MqttReader reader, PropertyTargets target, ref DecodedProperties values)
    {
        if (!reader.ReadVariableByteInteger(out var length, "Property Length"))
        {
            return false;
        }

        if (length == 0)
        {
            return true;
        }

        if (length > reader.Remaining)
        {
            return reader.Fail(ReasonCode.MalformedPacket, "MQTT-2.2.2.1", $"The Property Length {length} exceeds the {reader.Remaining} byte(s) left in the packet.");
        }

        var previousLimit = reader.BeginLimit(length);
        ulong seen = 0;
        while (reader.Remaining > 0)
        {
            if (!reader.ReadVariableByteInteger(out var id, "property identifier"))
            {
                return false;
            }

            if (!PropertyDefinitions.TryGet(id, out var definition))
            {
                return reader.Fail(ReasonCode.MalformedPacket, PropertiesRule, $"0x{id:X2} is not a property identifier.");
            }

            if (!definition.IsAllowedIn(target))
            {
                return reader.Fail(ReasonCode.MalformedPacket, PropertiesRule, $"The {definition.Name} property is not valid in {Describe(target)}.");
            }

            var bit = 1UL << id;
            if ((seen & bit) != 0 && !definition.MayRepeatIn(target))
            {
                return reader.Fail(ReasonCode.ProtocolError, PropertiesRule, $"The {definition.Name} property is included more than once in {Describe(target)}.");
            }

            seen |= bit;
            if (!ReadValue(ref reader, definition, target, ref values))
            {
                return false;
            }
        }

        reader.EndLimit(previousLimit);
        return true;
    }

    private static bool ReadValue(ref MqttReader reader, in PropertyDefinition definition, PropertyTargets target, ref DecodedProperties values)
    {
        var name = definition.Name;
        switch (definition.Id)
        {
            case PropertyId.PayloadFormatIndicator:
                return ReadFlag(ref reader, name, "MQTT-3.3.2.3.2", out values.PayloadFormatIndicator);
            case PropertyId.MessageExpiryInterval:
                return ReadUInt32(ref reader, name, out values.MessageExpiryInterval);
            case PropertyId.ContentType:
                return ReadString(ref reader, name, out values.ContentType);
            case PropertyId.ResponseTopic:
                return ReadResponseTopic(ref reader, name, ref values);
            case PropertyId.CorrelationData:
                return ReadBinary(ref reader, name, out values.CorrelationData);
            case PropertyId.SubscriptionIdentifier:
                return ReadSubscriptionIdentifier(ref reader, name, target, ref values);
            case PropertyId.SessionExpiryInterval:
                return ReadUInt32(ref reader, name, out values.SessionExpiryInterval);
            case PropertyId.AssignedClientIdentifier:
                return ReadString(ref reader, name, out values.AssignedClientIdentifier);
            case PropertyId.ServerKeepAlive:
                return ReadUInt16(ref reader, name, out values.ServerKeepAlive);
            case PropertyId.AuthenticationMethod:
                return ReadString(ref reader, name, out values.AuthenticationMethod);
            case PropertyId.AuthenticationData:
                return ReadBinary(ref reader, name, out values.AuthenticationData);
            case PropertyId.RequestProblemInformation:
                return ReadFlag(ref reader, name, "MQTT-3.1.2.11.7", out values.RequestProblemInformation);
            case PropertyId.WillDelayInterval:
                return ReadUInt32(ref reader, name, out values.WillDelayInterval);
            case PropertyId.RequestResponseInformation:
                return ReadFlag(ref reader, name, "MQTT-3.1.2.11.6", out values.RequestResponseInformation);
            case PropertyId.ResponseInformation:
                return ReadString(ref reader, name, out values.ResponseInformation);
            case PropertyId.ServerReference:
                return ReadString(ref reader, name, out values.ServerReference);
            case PropertyId.ReasonString:
                return ReadString(ref reader, name, out values.ReasonString);
            case PropertyId.ReceiveMaximum:
                if (!ReadUInt16(ref reader, name, out values.ReceiveMaximum))
                {
                    return false;
                }

                return values.ReceiveMaximum != 0
                    || reader.Fail(ReasonCode.ProtocolError, target == PropertyTargets.Connect ? "MQTT-3.1.2.11.3" : "MQTT-3.2.2.3.3", "A Receive Maximum of 0 is a Protocol Error.");
            case PropertyId.TopicAliasMaximum:
                return ReadUInt16(ref reader, name, out values.TopicAliasMaximum);
            case PropertyId.TopicAlias:
                if (!ReadUInt16(ref reader, name, out values.TopicAlias))
                {
                    return false;
                }

                return values.TopicAlias != 0
                    || reader.Fail(ReasonCode.TopicAliasInvalid, "MQTT-3.3.2-8", "A Topic Alias of 0 is not permitted.");
            case PropertyId.MaximumQoS:
                return ReadFlag(ref reader, name, "MQTT-3.2.2.3.4", out values.MaximumQoS);
            case PropertyId.RetainAvailable:
                return ReadFlag(ref reader, name, "MQTT-3.2.2.3.5", out values.RetainAvailable);
            case PropertyId.UserProperty:
                return ReadUserProperty(ref reader, ref values);
            case PropertyId.MaximumPacketSize:
                if (!ReadUInt32(ref reader, name, out values.MaximumPacketSize))
                {
                    return false;
                }

                return values.MaximumPacketSize != 0
                    || reader.Fail(ReasonCode.ProtocolError, target == PropertyTargets.Connect ? "MQTT-3.1.2.11.4" : "MQTT-3.2.2.3.6", "A Maximum Packet Size of 0 is a Protocol Error.");
            case PropertyId.WildcardSubscriptionAvailable:
                return ReadFlag(ref reader, name, "MQTT-3.2.2.3.11", out values.WildcardSubscriptionAvailable);
            case PropertyId.SubscriptionIdentifierAvailable:
                return ReadFlag(ref reader, name, "MQTT-3.2.2.3.12", out values.SubscriptionIdentifierAvailable);
            case PropertyId.SharedSubscriptionAvailable:
                return ReadFlag(ref reader, name, "MQTT-3.2.2.3.13", out values.SharedSubscriptionAvailable);
            default:
                return reader.Fail(ReasonCode.MalformedPacket, PropertiesRule, $"0x{(int)definition.Id:X2} is not a property identifier.");
        }
    }

    /// <summary>A Byte property whose only values are 0 and 1 (any other value is a Protocol Error).</summary>
    private static bool ReadFlag(ref MqttReader reader, string name, string rule, out byte? value)
    {
        value = null;
        if (!reader.ReadByte(out var b, name))
        {
            return false;
        }

        if (b > 1)
        {
            return reader.Fail(ReasonCode.ProtocolError, rule, $"The {name} property has the value {b}; only 0 and 1 are allowed.");
        }

        value = b;
        return true;
    }

    private static bool ReadUInt16(ref MqttReader reader, string name, out ushort? value)
    {
        var ok = reader.ReadUInt16(out var v, name);
        value = ok ? v : null;
        return ok;
    }

    private static bool ReadUInt32(ref MqttReader reader, string name, out uint? value)
    {
        var ok = reader.ReadUInt32(out var v, name);
        value = ok ? v : null;
        return ok;
    }

    private static bool ReadString(ref MqttReader reader, string name, out string? value)
    {
        var ok = reader.ReadString(out var v, name);
        value = ok ? v : null;
        return ok;
    }

    private static bool ReadBinary(ref MqttReader reader, string name, out ReadOnlyMemory<byte>? value)
    {
        var ok = reader.ReadBinary(out var v, name);
        value = ok ? v : null;
        return ok;
    }

    private static bool ReadSubscriptionIdentifier(ref MqttReader reader, string name, PropertyTargets target, ref DecodedProperties values)
    {
        if (!reader.ReadVariableByteInteger(out var subscriptionId, name))
        {
            return false;
        }

        if (subscriptionId == 0)
        {
            return reader.Fail(ReasonCode.ProtocolError, "MQTT-3.8.2.1.2", "A Subscription Identifier of 0 is a Protocol Error.");
        }

        if (target == PropertyTargets.Publish)
        {
            (values.SubscriptionIdentifiers ??= new List<uint>(2)).Add((uint)subscriptionId);
        }
        else
        {
            values.SubscriptionIdentifier = (uint)subscriptionId;
        }

        return true;
    }

    private static bool ReadUserProperty(ref MqttReader reader, ref DecodedProperties values)
    {
        if (!reader.ReadString(out var key, "User Property name") || !reader.ReadString(out var value, "User Property value"))
        {
            return false;
        }

        (values.UserProperties ??= new List<UserProperty>(4)).Add(new UserProperty(key, value));
        return true;
    }

    private static bool ReadResponseTopic(ref MqttReader reader, string name, ref DecodedProperties values)
    {
        if (!ReadString(ref reader, name, out values.ResponseTopic))
        {
            return false;
        }

        // A Response Topic is a Topic Name: no wildcards [MQTT-3.3.2-14] (5.0).
        return values.ResponseTopic!.AsSpan().IndexOfAny('+', '#') < 0
            || reader.Fail(ReasonCode.ProtocolError, "MQTT-3.3.2-14", "The Response Topic contains a wildcard character.");
    }

    private static string Describe(PropertyTargets target) => target switch
    {
        PropertyTargets.Will => "the Will Properties",
        _ => target.ToString().ToUpperInvariant(),
    };
}
