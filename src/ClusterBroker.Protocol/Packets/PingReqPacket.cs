namespace ClusterBroker.Protocol.Packets;

public sealed record PingReqPacket : MqttPacket
{
    public static readonly PingReqPacket Instance = new();

    public override PacketType Type => PacketType.PingReq;
}
