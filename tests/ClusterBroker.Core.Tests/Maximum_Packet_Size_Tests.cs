using ClusterBroker.Core.Tests.Infrastructure;
using ClusterBroker.Protocol;
using ClusterBroker.Protocol.Packets;

namespace ClusterBroker.Core.Tests;

/// <summary>
/// Every packet the broker sends fits the client's Maximum Packet Size ([MQTT-3.1.2-24]), CONNACK included:
/// reason strings, user properties and then optional CONNACK properties are dropped to make it fit.
/// </summary>
public class Maximum_Packet_Size_Tests
{
    private static TestClient OpenAndConnect(TestBroker broker, string clientId, uint maximumPacketSize, Func<ConnectPacket, ConnectPacket>? customize = null)
    {
        TestClient client = broker.Open();
        var connect = new ConnectPacket { ProtocolVersion = ProtocolVersion.V500, ClientId = clientId, CleanSession = true, KeepAlive = 60, MaximumPacketSize = maximumPacketSize };
        client.Send(customize is null ? connect : customize(connect));
        return client;
    }

    [Fact]
    public void A_client_announcing_20_bytes_gets_a_CONNACK_that_fits_MQTT_3_1_2_24()
    {
        var broker = new TestBroker();
        TestClient client = OpenAndConnect(broker, "tiny", 20);

        ConnAckPacket ack = Assert.Single(client.Connection.SentOf<ConnAckPacket>());
        Assert.Equal(ReasonCode.Success, ack.ReasonCode);
        Assert.InRange(client.Connection.EncodedSize(ack), 1, 20);
        Assert.Empty(client.Connection.Refused);

        // What the client must know stays; what its absence says anyway (or only lets the client do less) goes.
        Assert.Equal((ushort)128, ack.ReceiveMaximum);
        Assert.Equal(broker.Options.MaximumPacketSize, ack.MaximumPacketSize);
        Assert.Null(ack.TopicAliasMaximum);
        Assert.Null(ack.WildcardSubscriptionAvailable);
        Assert.Null(ack.SubscriptionIdentifiersAvailable);
        Assert.Null(ack.SharedSubscriptionAvailable);
        Assert.False(client.Connection.Closed);
    }

    [Fact]
    public void A_CONNACK_that_fits_keeps_every_property()
    {
        var broker = new TestBroker();
        TestClient client = OpenAndConnect(broker, "roomy", 1000);

        ConnAckPacket ack = client.Connection.Last<ConnAckPacket>();
        Assert.Equal((ushort)64, ack.TopicAliasMaximum);
        Assert.True(ack.WildcardSubscriptionAvailable);
        Assert.True(ack.SharedSubscriptionAvailable);
    }

    [Fact]
    public void A_CONNACK_that_cannot_fit_what_the_client_must_know_refuses_with_a_bare_0x95()
    {
        var broker = new TestBroker();
        TestClient client = OpenAndConnect(broker, string.Empty, 20); // the Assigned Client Identifier alone is 40 bytes

        ConnAckPacket ack = Assert.Single(client.Connection.SentOf<ConnAckPacket>());
        Assert.Equal(ReasonCode.PacketTooLarge, ack.ReasonCode);
        Assert.Null(ack.ReasonString);
        Assert.InRange(client.Connection.EncodedSize(ack), 1, 20);
        Assert.True(client.Connection.Closed);
    }

    [Fact]
    public void A_refusing_CONNACK_drops_its_reason_string_to_fit_MQTT_3_2_2_19()
    {
        var broker = new TestBroker(authenticator: new AnonymousAuthenticator(allowAnonymous: false));
        TestClient roomy = OpenAndConnect(broker, "a", 1000);
        TestClient tiny = OpenAndConnect(broker, "b", 10);

        Assert.Equal(ReasonCode.NotAuthorized, roomy.Connection.Last<ConnAckPacket>().ReasonCode);
        Assert.NotNull(roomy.Connection.Last<ConnAckPacket>().ReasonString);
        ConnAckPacket ack = Assert.Single(tiny.Connection.SentOf<ConnAckPacket>());
        Assert.Equal((ReasonCode.NotAuthorized, (string?)null), (ack.ReasonCode, ack.ReasonString));
    }

    [Fact]
    public void A_server_DISCONNECT_drops_its_reason_string_to_fit_MQTT_3_14_2_3()
    {
        var broker = new TestBroker();
        TestClient roomy = OpenAndConnect(broker, "a", 1000);
        TestClient tiny = OpenAndConnect(broker, "b", 20);
        roomy.Publish("a/#", "x");
        tiny.Publish("a/#", "x");

        Assert.Equal(ReasonCode.TopicNameInvalid, roomy.ServerDisconnect!.ReasonCode);
        Assert.NotNull(roomy.ServerDisconnect.ReasonString);
        Assert.Equal((ReasonCode.TopicNameInvalid, (string?)null), (tiny.ServerDisconnect!.ReasonCode, tiny.ServerDisconnect.ReasonString));
        Assert.Empty(tiny.Connection.Refused);
    }

    [Fact]
    public void A_SUBACK_drops_its_reason_string_to_fit_MQTT_3_9_2_1()
    {
        var broker = new TestBroker();
        TestClient roomy = OpenAndConnect(broker, "a", 1000);
        TestClient tiny = OpenAndConnect(broker, "b", 20);

        Assert.NotNull(roomy.Subscribe("a/#/b").ReasonString);
        SubAckPacket ack = tiny.Subscribe("a/#/b");
        Assert.Equal(ReasonCode.TopicFilterInvalid, Assert.Single(ack.ReasonCodes));
        Assert.Null(ack.ReasonString);
    }
}
