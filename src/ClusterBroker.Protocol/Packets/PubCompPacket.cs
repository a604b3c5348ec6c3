namespace ClusterBroker.Protocol.Packets;

public sealed record PubCompPacket : PacketIdentifierAckPacket
{
    public override PacketType Type => PacketType.PubComp;
}
