namespace ClusterBroker.Protocol.Codec;

/// <summary>One row of the MQTT 5.0 property table (2.2.2.2).</summary>
/// <param name="Id">The identifier byte.</param>
/// <param name="Name">The name the specification uses.</param>
/// <param name="DataType">How the value is encoded.</param>
/// <param name="Targets">The packets (and Will Properties) it may appear in.</param>
/// <param name="MayRepeat">True for User Property; Subscription Identifier may repeat in PUBLISH only.</param>
public readonly record struct PropertyDefinition(PropertyId Id, string Name, PropertyDataType DataType, PropertyTargets Targets, bool MayRepeat)
{
    /// <summary>Whether the property may appear in <paramref name="target"/>.</summary>
    public bool IsAllowedIn(PropertyTargets target) => (Targets & target) != 0;

    /// <summary>Whether the property may appear more than once in <paramref name="target"/>.</summary>
    public bool MayRepeatIn(PropertyTargets target) =>
        MayRepeat || (Id == PropertyId.SubscriptionIdentifier && target == PropertyTargets.Publish);
}
