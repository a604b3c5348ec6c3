using ClusterBroker.Core.Tests.Infrastructure;
using ClusterBroker.Protocol;
using ClusterBroker.Protocol.Packets;

namespace ClusterBroker.Core.Tests;

/// <summary>
/// Clients that connect with the bridge bit (protocol level 0x83/0x84, Mosquitto's try_private) get bridge semantics:
/// no echo of their own messages and RETAIN as published. The real Mosquitto bridge runs in the IntegrationTests.
/// </summary>
public class Bridge_Tests
{
    private static TestClient ConnectBridge(TestBroker broker, string clientId, ProtocolVersion version = ProtocolVersion.V311) =>
        broker.Connect(clientId, version, clean: true, c => c with { IsBridge = true });

    [Theory]
    [InlineData(ProtocolVersion.V311)]
    [InlineData(ProtocolVersion.V310)]
    public void A_bridge_is_accepted_and_does_not_receive_its_own_messages(ProtocolVersion version)
    {
        var broker = new TestBroker();
        TestClient bridge = ConnectBridge(broker, "bridge", version);
        bridge.Subscribe("br/#", QualityOfService.AtLeastOnce);
        TestClient local = broker.Connect("local", ProtocolVersion.V311);
        local.Subscribe("br/#", QualityOfService.AtLeastOnce);

        bridge.Publish("br/from-bridge", "1", QualityOfService.AtLeastOnce);
        local.Publish("br/from-local", "2", QualityOfService.AtLeastOnce);

        Assert.Equal(["2"], bridge.ReceivedPayloads);
        Assert.Equal(["1", "2"], local.ReceivedPayloads);
    }

    [Fact]
    public void A_bridge_receives_retain_as_published_and_a_plain_3_1_1_client_does_not_MQTT_3_3_1_9()
    {
        var broker = new TestBroker();
        TestClient bridge = ConnectBridge(broker, "bridge");
        bridge.Subscribe("br/#");
        TestClient plain = broker.Connect("plain", ProtocolVersion.V311);
        plain.Subscribe("br/#");

        broker.Connect("pub", ProtocolVersion.V311).Publish("br/state", "on", retain: true);

        Assert.True(Assert.Single(bridge.Received).Retain);
        Assert.False(Assert.Single(plain.Received).Retain);
    }

    [Fact]
    public void A_plain_3_1_1_client_still_gets_its_own_messages()
    {
        var broker = new TestBroker();
        TestClient plain = broker.Connect("plain", ProtocolVersion.V311);
        plain.Subscribe("br/#");
        plain.Publish("br/x", "echo");
        Assert.Equal(["echo"], plain.ReceivedPayloads);
    }
}
