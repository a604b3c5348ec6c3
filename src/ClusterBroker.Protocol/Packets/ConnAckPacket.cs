namespace ClusterBroker.Protocol.Packets;

/// <summary>CONNACK (3.2). In 3.1/3.1.1 the reason code is written as the matching return code.</summary>
public sealed record ConnAckPacket : MqttPacket
{
    public override PacketType Type => PacketType.ConnAck;

    public bool SessionPresent { get; init; }
    public ReasonCode ReasonCode { get; init; }

    // MQTT 5.0 properties
    public uint? SessionExpiryInterval { get; init; }
    public ushort? ReceiveMaximum { get; init; }
    public QualityOfService? MaximumQoS { get; init; }
    public bool? RetainAvailable { get; init; }
    public uint? MaximumPacketSize { get; init; }
    public string? AssignedClientIdentifier { get; init; }
    public ushort? TopicAliasMaximum { get; init; }
    public string? ReasonString { get; init; }
    public IReadOnlyList<UserProperty>? UserProperties { get; init; }
    public bool? WildcardSubscriptionAvailable { get; init; }
    public bool? SubscriptionIdentifiersAvailable { get; init; }
    public bool? SharedSubscriptionAvailable { get; init; }
    public ushort? ServerKeepAlive { get; init; }
    public string? ResponseInformation { get; init; }
    public string? ServerReference { get; init; }
    public string? AuthenticationMethod { get; init; }
    public ReadOnlyMemory<byte>? AuthenticationData { get; init; }
}
