using ClusterBroker.Core.Security;
using ClusterBroker.Core.Tests.Infrastructure;
using ClusterBroker.Protocol;
using ClusterBroker.Protocol.Packets;

namespace ClusterBroker.Core.Tests;

/// <summary>Request Problem Information 0: reason strings only on CONNACK and DISCONNECT ([MQTT-3.1.2-29]).</summary>
public class Problem_Information_Tests
{
    [Fact]
    public void A_refusing_SUBACK_carries_a_reason_string_by_default()
    {
        var broker = new TestBroker();
        TestClient client = broker.Connect("c");
        Assert.NotNull(client.Subscribe("a/#/b").ReasonString);
    }

    [Fact]
    public void With_Request_Problem_Information_0_a_SUBACK_carries_no_reason_string_MQTT_3_1_2_29()
    {
        var broker = new TestBroker();
        TestClient client = broker.Connect("c", customize: c => c with { RequestProblemInformation = false });
        SubAckPacket ack = client.Subscribe("a/#/b");
        Assert.Equal(ReasonCode.TopicFilterInvalid, Assert.Single(ack.ReasonCodes));
        Assert.Null(ack.ReasonString);
        Assert.Null(ack.UserProperties);
    }

    [Fact]
    public void With_Request_Problem_Information_0_a_DISCONNECT_may_still_say_why()
    {
        var broker = new TestBroker();
        TestClient client = broker.Connect("c", customize: c => c with { RequestProblemInformation = false });
        client.Publish("a/#", "x");
        Assert.Equal(ReasonCode.TopicNameInvalid, client.ServerDisconnect!.ReasonCode);
        Assert.NotNull(client.ServerDisconnect.ReasonString);
    }

    [Fact]
    public void Acknowledgements_with_reason_0x00_have_no_properties()
    {
        var broker = new TestBroker();
        TestClient sub = broker.Connect("sub");
        sub.Subscribe("t", QualityOfService.ExactlyOnce);
        TestClient pub = broker.Connect("pub");
        pub.Publish("t", "1", QualityOfService.AtLeastOnce);
        pub.Publish("t", "2", QualityOfService.ExactlyOnce);
        pub.Send(new PubRelPacket { PacketId = pub.Connection.Last<PubRecPacket>().PacketId });
        sub.Send(new PubRecPacket { PacketId = sub.Received[1].PacketId });

        PacketIdentifierAckPacket[] acks = [pub.Connection.Last<PubAckPacket>(), pub.Connection.Last<PubRecPacket>(), pub.Connection.Last<PubCompPacket>(), sub.Connection.Last<PubRelPacket>()];
        Assert.All(acks, a => Assert.Equal((ReasonCode.Success, (string?)null, (IReadOnlyList<UserProperty>?)null), (a.ReasonCode, a.ReasonString, a.UserProperties)));
        Assert.All(acks, a => Assert.Equal(4, pub.Connection.EncodedSize(a))); // the 2-byte body of 3.4.2.1
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void A_PUBACK_refused_by_the_ACL_says_why_unless_the_client_asked_for_no_problem_information(bool problemInformation)
    {
        var broker = new TestBroker(authorizer: new AclAuthorizer(AclFile.Parse("topic readwrite open/#")));
        TestClient client = broker.Connect("c", customize: c => c with { RequestProblemInformation = problemInformation });
        client.Publish("closed/x", "x", QualityOfService.AtLeastOnce);

        PubAckPacket ack = client.Connection.Last<PubAckPacket>();
        Assert.Equal(ReasonCode.NotAuthorized, ack.ReasonCode);
        Assert.Equal(problemInformation, ack.ReasonString is not null);
    }
}
