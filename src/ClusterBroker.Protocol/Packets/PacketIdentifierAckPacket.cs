namespace ClusterBroker.Protocol.Packets;

/// <summary>Shape shared by PUBACK, PUBREC, PUBREL and PUBCOMP (3.4-3.7).</summary>
public abstract record PacketIdentifierAckPacket : MqttPacket
{
    public required ushort PacketId { get; init; }
    public ReasonCode ReasonCode { get; init; } = ReasonCode.Success;

    // MQTT 5.0 properties
    public string? ReasonString { get; init; }
    public IReadOnlyList<UserProperty>? UserProperties { get; init; }
}
