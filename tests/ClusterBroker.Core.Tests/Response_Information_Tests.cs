using ClusterBroker.Core.Tests.Infrastructure;
using ClusterBroker.Protocol.Packets;

namespace ClusterBroker.Core.Tests;

/// <summary>Response Information in CONNACK (MQTT 5.0 section 3.2.2.3.15), when the client asks for it.</summary>
public class Response_Information_Tests
{
    [Fact]
    public void A_client_that_requests_response_information_gets_its_own_prefix()
    {
        var broker = new TestBroker(o => o.ResponseInformation = "reply/{clientid}/");
        TestClient client = broker.Connect("dev-7", customize: c => c with { RequestResponseInformation = true });
        Assert.Equal("reply/dev-7/", client.Connection.Last<ConnAckPacket>().ResponseInformation);
    }

    [Fact]
    public void A_client_that_does_not_request_it_gets_none_MQTT_3_1_2_28()
    {
        var broker = new TestBroker(o => o.ResponseInformation = "reply/{clientid}/");
        Assert.Null(broker.Connect("a").Connection.Last<ConnAckPacket>().ResponseInformation);
        Assert.Null(broker.Connect("b", customize: c => c with { RequestResponseInformation = false }).Connection.Last<ConnAckPacket>().ResponseInformation);
    }

    [Fact]
    public void Without_a_configured_value_none_is_sent()
    {
        var broker = new TestBroker();
        TestClient client = broker.Connect("c", customize: c => c with { RequestResponseInformation = true });
        Assert.Null(client.Connection.Last<ConnAckPacket>().ResponseInformation);
    }

    [Fact]
    public void An_assigned_client_identifier_is_used_in_the_response_information()
    {
        var broker = new TestBroker(o => o.ResponseInformation = "reply/{clientid}/");
        TestClient client = broker.Connect(string.Empty, customize: c => c with { RequestResponseInformation = true });
        ConnAckPacket ack = client.Connection.Last<ConnAckPacket>();
        Assert.Equal($"reply/{ack.AssignedClientIdentifier}/", ack.ResponseInformation);
    }
}
