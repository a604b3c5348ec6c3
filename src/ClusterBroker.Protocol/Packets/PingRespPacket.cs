namespace ClusterBroker.Protocol.Packets;

public sealed record PingRespPacket : MqttPacket
{
    public static readonly PingRespPacket Instance = new();

    public override PacketType Type => PacketType.PingResp;
}
