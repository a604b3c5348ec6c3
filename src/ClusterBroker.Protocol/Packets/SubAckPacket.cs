namespace ClusterBroker.Protocol.Packets;

/// <summary>SUBACK: one reason code per requested filter; 3.1/3.1.1 write 0x80 for any failure.</summary>
public sealed record SubAckPacket : MqttPacket
{
    public override PacketType Type => PacketType.SubAck;

    public required ushort PacketId { get; init; }
    public required IReadOnlyList<ReasonCode> ReasonCodes { get; init; }

    // MQTT 5.0 properties
    public string? ReasonString { get; init; }
    public IReadOnlyList<UserProperty>? UserProperties { get; init; }
}
