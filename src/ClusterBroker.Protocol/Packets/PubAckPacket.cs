namespace ClusterBroker.Protocol.Packets;

public sealed record PubAckPacket : PacketIdentifierAckPacket
{
    public override PacketType Type => PacketType.PubAck;
}
