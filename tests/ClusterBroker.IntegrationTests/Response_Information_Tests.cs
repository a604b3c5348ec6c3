using ClusterBroker.Core;

namespace ClusterBroker.IntegrationTests;

/// <summary>Response Information in CONNACK (section 3.2.2.3.15) for clients that set Request Response Information 1.</summary>
public sealed class Response_Information_Tests : IAsyncLifetime
{
    private TestBroker _broker = null!;

    private int Port => _broker.Port;

    public async Task InitializeAsync() => _broker = await TestBroker.StartAsync(new BrokerOptions { ResponseInformation = "reply/{clientid}/" });

    public async Task DisposeAsync() => await _broker.DisposeAsync();

    [Fact]
    public async Task The_MQTTnet_client_asking_for_it_gets_its_response_topic_prefix()
    {
        var clientId = Unique.ClientId();
        await using var client = await TestClient.ConnectAsync(Port, clientId, configure: b => b.WithRequestResponseInformation(true));

        Assert.Equal($"reply/{clientId}/", client.ConnectResult.ResponseInformation);
    }

    [Fact]
    public async Task A_client_not_asking_for_it_gets_none_MQTT_3_1_2_28()
    {
        await using var raw = await RawMqttConnection.ConnectAsync(Port, 5, Unique.ClientId());
        await using var declined = await RawMqttConnection.ConnectAsync(Port, 5, Unique.ClientId(),
            properties: [RawPackets.ByteProperty(MqttProperties.RequestResponseInformation, 0)]);

        Assert.False(raw.LastConnAck!.ConnAckProperties(v5: true).Has(MqttProperties.ResponseInformation));
        Assert.False(declined.LastConnAck!.ConnAckProperties(v5: true).Has(MqttProperties.ResponseInformation));
    }

    [Fact]
    public async Task A_raw_client_asking_for_it_reads_the_property_from_CONNACK()
    {
        var clientId = Unique.ClientId();
        await using var raw = await RawMqttConnection.ConnectAsync(Port, 5, clientId,
            properties: [RawPackets.ByteProperty(MqttProperties.RequestResponseInformation, 1)]);

        Assert.Equal($"reply/{clientId}/", raw.LastConnAck!.ConnAckProperties(v5: true).Text(MqttProperties.ResponseInformation));
    }
}
