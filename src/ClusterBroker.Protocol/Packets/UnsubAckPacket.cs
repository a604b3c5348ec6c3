namespace ClusterBroker.Protocol.Packets;

/// <summary>UNSUBACK; reason codes exist only in 5.0 (null when decoded from 3.1/3.1.1).</summary>
public sealed record UnsubAckPacket : MqttPacket
{
    public override PacketType Type => PacketType.UnsubAck;

    public required ushort PacketId { get; init; }

    // MQTT 5.0
    public IReadOnlyList<ReasonCode>? ReasonCodes { get; init; }
    public string? ReasonString { get; init; }
    public IReadOnlyList<UserProperty>? UserProperties { get; init; }
}
