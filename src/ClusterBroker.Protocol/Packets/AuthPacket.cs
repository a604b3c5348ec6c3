namespace ClusterBroker.Protocol.Packets;

/// <summary>AUTH (3.15), MQTT 5.0 only.</summary>
public sealed record AuthPacket : MqttPacket
{
    public override PacketType Type => PacketType.Auth;

    public ReasonCode ReasonCode { get; init; } = ReasonCode.Success;
    public string? AuthenticationMethod { get; init; }
    public ReadOnlyMemory<byte>? AuthenticationData { get; init; }
    public string? ReasonString { get; init; }
    public IReadOnlyList<UserProperty>? UserProperties { get; init; }
}
