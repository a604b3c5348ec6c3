using ClusterBroker.Protocol.Packets;
using static ClusterBroker.Protocol.Tests.CodecTestHelpers;

namespace ClusterBroker.Protocol.Tests;

public class Smoke_Tests
{
    [Theory]
    [InlineData(ProtocolVersion.V310)]
    [InlineData(ProtocolVersion.V311)]
    [InlineData(ProtocolVersion.V500)]
    public void Connect_publish_puback_and_subscribe_round_trip(ProtocolVersion version)
    {
        var connect = new ConnectPacket { ProtocolVersion = version, ClientId = "client-1", CleanSession = true, KeepAlive = 60, Username = "u", Password = new byte[] { 1, 2 } };
        var decoded = (ConnectPacket)DecodePacket(Encode(connect, version), null);
        Assert.Equal("client-1", decoded.ClientId);
        Assert.Equal(version, decoded.ProtocolVersion);

        var publish = new PublishPacket { Topic = "a/b", QoS = QualityOfService.AtLeastOnce, PacketId = 7, Payload = new byte[] { 9, 8, 7 } };
        var p = (PublishPacket)DecodePacket(Encode(publish, version), version);
        Assert.Equal("a/b", p.Topic);
        Assert.Equal(7, p.PacketId);
        Assert.Equal(new byte[] { 9, 8, 7 }, p.Payload.ToArray());

        var ack = (PubAckPacket)DecodePacket(Encode(new PubAckPacket { PacketId = 7 }, version), version);
        Assert.Equal(7, ack.PacketId);

        var sub = new SubscribePacket { PacketId = 3, Subscriptions = [new TopicSubscription { Filter = "a/#", MaximumQoS = QualityOfService.ExactlyOnce }] };
        var s = (SubscribePacket)DecodePacket(Encode(sub, version), version);
        Assert.Equal("a/#", s.Subscriptions[0].Filter);
    }
}
