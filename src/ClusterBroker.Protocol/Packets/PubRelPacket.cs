namespace ClusterBroker.Protocol.Packets;

public sealed record PubRelPacket : PacketIdentifierAckPacket
{
    public override PacketType Type => PacketType.PubRel;
}
