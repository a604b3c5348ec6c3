namespace ClusterBroker.Protocol.Codec;

/// <summary>
/// The MQTT 5.0 property table (2.2.2.2): every property with its data type and the packets it may
/// appear in. The decoder rejects a property outside its packets (Malformed Packet) and a repeated
/// property other than User Property, or Subscription Identifier in PUBLISH (Protocol Error).
/// </summary>
public static class PropertyDefinitions
{
    private const PropertyTargets PublishAndWill = PropertyTargets.Publish | PropertyTargets.Will;

    private const PropertyTargets Acks = PropertyTargets.PubAck | PropertyTargets.PubRec | PropertyTargets.PubRel |
        PropertyTargets.PubComp | PropertyTargets.SubAck | PropertyTargets.UnsubAck;

    private const PropertyTargets Everywhere = PropertyTargets.Connect | PropertyTargets.ConnAck | PropertyTargets.Publish |
        Acks | PropertyTargets.Subscribe | PropertyTargets.Unsubscribe | PropertyTargets.Disconnect | PropertyTargets.Auth |
        PropertyTargets.Will;

    private static readonly PropertyDefinition[] s_all =
    [
        new(PropertyId.PayloadFormatIndicator, "Payload Format Indicator", PropertyDataType.Byte, PublishAndWill, false),
        new(PropertyId.MessageExpiryInterval, "Message Expiry Interval", PropertyDataType.FourByteInteger, PublishAndWill, false),
        new(PropertyId.ContentType, "Content Type", PropertyDataType.Utf8String, PublishAndWill, false),
        new(PropertyId.ResponseTopic, "Response Topic", PropertyDataType.Utf8String, PublishAndWill, false),
        new(PropertyId.CorrelationData, "Correlation Data", PropertyDataType.BinaryData, PublishAndWill, false),
        new(PropertyId.SubscriptionIdentifier, "Subscription Identifier", PropertyDataType.VariableByteInteger, PropertyTargets.Publish | PropertyTargets.Subscribe, false),
        new(PropertyId.SessionExpiryInterval, "Session Expiry Interval", PropertyDataType.FourByteInteger, PropertyTargets.Connect | PropertyTargets.ConnAck | PropertyTargets.Disconnect, false),
        new(PropertyId.AssignedClientIdentifier, "Assigned Client Identifier", PropertyDataType.Utf8String, PropertyTargets.ConnAck, false),
        new(PropertyId.ServerKeepAlive, "Server Keep Alive", PropertyDataType.TwoByteInteger, PropertyTargets.ConnAck, false),
        new(PropertyId.AuthenticationMethod, "Authentication Method", PropertyDataType.Utf8String, PropertyTargets.Connect | PropertyTargets.ConnAck | PropertyTargets.Auth, false),
        new(PropertyId.AuthenticationData, "Authentication Data", PropertyDataType.BinaryData, PropertyTargets.Connect | PropertyTargets.ConnAck | PropertyTargets.Auth, false),
        new(PropertyId.RequestProblemInformation, "Request Problem Information", PropertyDataType.Byte, PropertyTargets.Connect, false),
        new(PropertyId.WillDelayInterval, "Will Delay Interval", PropertyDataType.FourByteInteger, PropertyTargets.Will, false),
        new(PropertyId.RequestResponseInformation, "Request Response Information", PropertyDataType.Byte, PropertyTargets.Connect, false),
        new(PropertyId.ResponseInformation, "Response Information", PropertyDataType.Utf8String, PropertyTargets.ConnAck, false),
        new(PropertyId.ServerReference, "Server Reference", PropertyDataType.Utf8String, PropertyTargets.ConnAck | PropertyTargets.Disconnect, false),
        new(PropertyId.ReasonString, "Reason String", PropertyDataType.Utf8String, PropertyTargets.ConnAck | Acks | PropertyTargets.Disconnect | PropertyTargets.Auth, false),
        new(PropertyId.ReceiveMaximum, "Receive Maximum", PropertyDataType.TwoByteInteger, PropertyTargets.Connect | PropertyTargets.ConnAck, false),
        new(PropertyId.TopicAliasMaximum, "Topic Alias Maximum", PropertyDataType.TwoByteInteger, PropertyTargets.Connect | PropertyTargets.ConnAck, false),
        new(PropertyId.TopicAlias, "Topic Alias", PropertyDataType.TwoByteInteger, PropertyTargets.Publish, false),
        new(PropertyId.MaximumQoS, "Maximum QoS", PropertyDataType.Byte, PropertyTargets.ConnAck, false),
        new(PropertyId.RetainAvailable, "Retain Available", PropertyDataType.Byte, PropertyTargets.ConnAck, false),
        new(PropertyId.UserProperty, "User Property", PropertyDataType.Utf8StringPair, Everywhere, true),
        new(PropertyId.MaximumPacketSize, "Maximum Packet Size", PropertyDataType.FourByteInteger, PropertyTargets.Connect | PropertyTargets.ConnAck, false),
        new(PropertyId.WildcardSubscriptionAvailable, "Wildcard Subscription Available", PropertyDataType.Byte, PropertyTargets.ConnAck, false),
        new(PropertyId.SubscriptionIdentifierAvailable, "Subscription Identifier Available", PropertyDataType.Byte, PropertyTargets.ConnAck, false),
        new(PropertyId.SharedSubscriptionAvailable, "Shared Subscription Available", PropertyDataType.Byte, PropertyTargets.ConnAck, false),
    ];

    // Indexed by identifier byte; Id == 0 marks an unknown identifier.
    private static readonly PropertyDefinition[] s_byId = BuildIndex();

    /// <summary>All 27 properties in identifier order.</summary>
    public static IReadOnlyList<PropertyDefinition> All => s_all;

    /// <summary>The definition of <paramref name="id"/>, or false when no property has that identifier.</summary>
    public static bool TryGet(int id, out PropertyDefinition definition)
    {
        if ((uint)id < (uint)s_byId.Length && s_byId[id].Id != 0)
        {
            definition = s_byId[id];
            return true;
        }

        definition = default;
        return false;
    }

    /// <summary>The target flag of a packet type.</summary>
    public static PropertyTargets TargetOf(PacketType type) => type switch
    {
        PacketType.Connect => PropertyTargets.Connect,
        PacketType.ConnAck => PropertyTargets.ConnAck,
        PacketType.Publish => PropertyTargets.Publish,
        PacketType.PubAck => PropertyTargets.PubAck,
        PacketType.PubRec => PropertyTargets.PubRec,
        PacketType.PubRel => PropertyTargets.PubRel,
        PacketType.PubComp => PropertyTargets.PubComp,
        PacketType.Subscribe => PropertyTargets.Subscribe,
        PacketType.SubAck => PropertyTargets.SubAck,
        PacketType.Unsubscribe => PropertyTargets.Unsubscribe,
        PacketType.UnsubAck => PropertyTargets.UnsubAck,
        PacketType.Disconnect => PropertyTargets.Disconnect,
        PacketType.Auth => PropertyTargets.Auth,
        _ => PropertyTargets.None,
    };

    private static PropertyDefinition[] BuildIndex()
    {
        var index = new PropertyDefinition[(int)PropertyId.SharedSubscriptionAvailable + 1];
        foreach (var definition in s_all)
        {
            index[(int)definition.Id] = definition;
        }

        return index;
    }
}
