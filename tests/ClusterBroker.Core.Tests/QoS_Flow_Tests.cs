using ClusterBroker.Core.Tests.Infrastructure;
using ClusterBroker.Protocol;
using ClusterBroker.Protocol.Packets;

namespace ClusterBroker.Core.Tests;

public class QoS_Flow_Tests
{
    [Fact]
    public void QoS_1_from_a_client_is_acknowledged_with_PUBACK()
    {
        var broker = new TestBroker();
        TestClient pub = broker.Connect("pub", ProtocolVersion.V311);
        pub.Publish("t", "x", QualityOfService.AtLeastOnce);
        Assert.Equal(1, pub.Connection.Last<PubAckPacket>().PacketId);
    }

    [Fact]
    public void QoS_2_is_delivered_exactly_once_when_the_client_repeats_PUBLISH_before_PUBREL_MQTT_4_3_3()
    {
        var broker = new TestBroker();
        TestClient sub = broker.Connect("sub");
        sub.Subscribe("t");
        TestClient pub = broker.Connect("pub");
        var publish = new PublishPacket { Topic = "t", Payload = "x"u8.ToArray(), QoS = QualityOfService.ExactlyOnce, PacketId = 7 };
        pub.Send(publish);
        pub.Send(publish with { Dup = true });
        Assert.Equal(2, pub.Connection.SentOf<PubRecPacket>().Length);
        Assert.Single(sub.Received);

        pub.Send(new PubRelPacket { PacketId = 7 });
        Assert.Equal(ReasonCode.Success, pub.Connection.Last<PubCompPacket>().ReasonCode);

        // After PUBREL the identifier is free: the same id is a new message.
        pub.Send(publish);
        Assert.Equal(2, sub.Received.Length);
    }

    [Fact]
    public void PUBREL_for_an_unknown_identifier_is_answered_with_0x92_in_5_0()
    {
        var broker = new TestBroker();
        TestClient pub = broker.Connect("pub");
        pub.Send(new PubRelPacket { PacketId = 99 });
        Assert.Equal(ReasonCode.PacketIdentifierNotFound, pub.Connection.Last<PubCompPacket>().ReasonCode);
    }

    [Fact]
    public void Outgoing_QoS_2_completes_with_PUBREC_PUBREL_PUBCOMP_and_frees_the_identifier()
    {
        var broker = new TestBroker();
        TestClient sub = broker.Connect("sub", clean: false, customize: c => c with { SessionExpiryInterval = 60 });
        sub.Subscribe("t");
        broker.Connect("pub").Publish("t", "x", QualityOfService.ExactlyOnce);
        PublishPacket received = Assert.Single(sub.Received);
        Assert.NotEqual(0, received.PacketId);
        sub.Send(new PubRecPacket { PacketId = received.PacketId });
        Assert.Equal(received.PacketId, sub.Connection.Last<PubRelPacket>().PacketId);
        sub.Send(new PubCompPacket { PacketId = received.PacketId });
        sub.Drop();
        Assert.Empty(broker.Sessions.Detaches.Last().Snapshot.Inflight);
    }

    [Fact]
    public void Outgoing_packet_identifiers_are_unique_among_unacknowledged_messages()
    {
        var broker = new TestBroker();
        TestClient sub = broker.Connect("sub");
        sub.Subscribe("t", QualityOfService.AtLeastOnce);
        TestClient pub = broker.Connect("pub");
        for (int i = 0; i < 20; i++)
        {
            pub.Publish("t", "x", QualityOfService.AtLeastOnce);
        }

        ushort[] ids = sub.Received.Select(p => p.PacketId).ToArray();
        Assert.Equal(ids.Length, ids.Distinct().Count());
        Assert.DoesNotContain((ushort)0, ids);
    }

    [Fact]
    public void A_client_may_not_send_server_only_packets()
    {
        var broker = new TestBroker();
        TestClient client = broker.Connect("c");
        client.Send(new SubAckPacket { PacketId = 1, ReasonCodes = [ReasonCode.Success] });
        Assert.Equal(ReasonCode.ProtocolError, client.ServerDisconnect!.ReasonCode);
    }
}
