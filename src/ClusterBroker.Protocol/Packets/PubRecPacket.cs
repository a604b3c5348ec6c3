namespace ClusterBroker.Protocol.Packets;

public sealed record PubRecPacket : PacketIdentifierAckPacket
{
    public override PacketType Type => PacketType.PubRec;
}
