using ClusterBroker.Core.Tests.Infrastructure;
using ClusterBroker.Protocol;
using ClusterBroker.Protocol.Packets;

namespace ClusterBroker.Core.Tests;

/// <summary>
/// The control characters U+0001..U+001F and U+007F..U+009F, which a UTF-8 string SHOULD NOT contain (MQTT 5.0
/// section 1.5.4): accepted by default, refused with RefuseControlCharacters (as Mosquitto does).
/// </summary>
public class Control_Character_Tests
{
    private static TestBroker Strict() => new(o => o.RefuseControlCharacters = true);

    private static ConnAckPacket ConnectRaw(TestBroker broker, ConnectPacket connect)
    {
        TestClient client = broker.Open();
        client.Send(connect);
        return Assert.Single(client.Connection.SentOf<ConnAckPacket>());
    }

    [Theory]
    [InlineData("a\u0001b")]
    [InlineData("tab\there")]
    [InlineData("del\u007f")]
    [InlineData("c1\u0085")]
    [InlineData("c1\u009f")]
    public void A_topic_name_with_a_control_character_is_refused_with_0x90_when_strict_MQTT_1_5_4(string topic)
    {
        TestBroker broker = Strict();
        TestClient pub = broker.Connect("pub");
        pub.Publish(topic, "x");
        Assert.Equal(ReasonCode.TopicNameInvalid, pub.ServerDisconnect!.ReasonCode);
        Assert.Contains("RefuseControlCharacters", pub.ServerDisconnect.ReasonString);
    }

    [Fact]
    public void Control_characters_are_accepted_by_default()
    {
        var broker = new TestBroker();
        TestClient sub = broker.Connect("sub\u0001");
        Assert.Equal(ReasonCode.GrantedQoS0, Assert.Single(sub.Subscribe("a\tb/#", QualityOfService.AtMostOnce).ReasonCodes));
        broker.Connect("pub", customize: c => c with { Username = "u\u0002" }).Publish("a\tb/\u0085", "x");
        Assert.Equal(["x"], sub.ReceivedPayloads);
    }

    [Fact]
    public void Characters_next_to_the_control_ranges_are_accepted_when_strict()
    {
        TestBroker broker = Strict();
        TestClient sub = broker.Connect("sub");
        sub.Subscribe("a/#");
        broker.Connect("pub").Publish("a/ \u007e\u00a0\u00ff\u4e2d", "x");
        Assert.Single(sub.Received);
    }

    [Fact]
    public void A_filter_with_a_control_character_gets_0x8F_when_strict()
    {
        TestBroker broker = Strict();
        TestClient client = broker.Connect("c");
        SubAckPacket ack = client.Subscribe("a/\u0007/#");
        Assert.Equal(ReasonCode.TopicFilterInvalid, Assert.Single(ack.ReasonCodes));
        Assert.False(client.Connection.Closed);
    }

    [Theory]
    [InlineData(ProtocolVersion.V500)]
    [InlineData(ProtocolVersion.V311)]
    public void A_client_identifier_with_a_control_character_is_refused_with_0x85_when_strict(ProtocolVersion version)
    {
        ConnAckPacket ack = ConnectRaw(Strict(), new ConnectPacket { ProtocolVersion = version, ClientId = "dev\u001b", CleanSession = true });
        Assert.Equal(ReasonCode.ClientIdentifierNotValid, ack.ReasonCode); // 3.1.1: return code 2
    }

    [Fact]
    public void A_user_name_with_a_control_character_is_refused_with_0x86_when_strict()
    {
        ConnAckPacket ack = ConnectRaw(Strict(), new ConnectPacket { ProtocolVersion = ProtocolVersion.V500, ClientId = "dev", CleanSession = true, Username = "us\u001fer" });
        Assert.Equal(ReasonCode.BadUserNameOrPassword, ack.ReasonCode);
    }

    [Fact]
    public void A_will_topic_with_a_control_character_is_refused_with_0x90_when_strict()
    {
        ConnAckPacket ack = ConnectRaw(Strict(), new ConnectPacket
        {
            ProtocolVersion = ProtocolVersion.V500,
            ClientId = "dev",
            CleanSession = true,
            Will = new WillMessage { Topic = "will/\u0003", Payload = "x"u8.ToArray() },
        });
        Assert.Equal(ReasonCode.TopicNameInvalid, ack.ReasonCode);
    }
}
