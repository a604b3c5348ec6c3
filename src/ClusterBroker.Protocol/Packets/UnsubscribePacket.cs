namespace ClusterBroker.Protocol.Packets;

public sealed record UnsubscribePacket : MqttPacket
{
    public override PacketType Type => PacketType.Unsubscribe;

    public required ushort PacketId { get; init; }
    public required IReadOnlyList<string> Filters { get; init; }

    // MQTT 5.0 properties
    public IReadOnlyList<UserProperty>? UserProperties { get; init; }
}
