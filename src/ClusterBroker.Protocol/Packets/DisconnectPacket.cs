namespace ClusterBroker.Protocol.Packets;

/// <summary>DISCONNECT (3.14); reason code and properties exist only in 5.0.</summary>
public sealed record DisconnectPacket : MqttPacket
{
    public static readonly DisconnectPacket Normal = new();

    public override PacketType Type => PacketType.Disconnect;

    public ReasonCode ReasonCode { get; init; } = ReasonCode.NormalDisconnection;

    // MQTT 5.0 properties
    public uint? SessionExpiryInterval { get; init; }
    public string? ReasonString { get; init; }
    public IReadOnlyList<UserProperty>? UserProperties { get; init; }
    public string? ServerReference { get; init; }
}
