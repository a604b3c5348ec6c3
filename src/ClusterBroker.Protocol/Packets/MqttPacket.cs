namespace ClusterBroker.Protocol.Packets;

/// <summary>
/// Base of every control packet. Packets are immutable; fields that exist only in MQTT 5.0 are
/// nullable and null means "absent" (encoders for 3.1/3.1.1 ignore them).
/// </summary>
public abstract record MqttPacket
{
    public abstract PacketType Type { get; }
}
