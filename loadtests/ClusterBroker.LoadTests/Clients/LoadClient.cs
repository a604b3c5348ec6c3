using MQTTnet;

namespace ClusterBroker.LoadTests.Clients;

/// <summary>An MQTTnet client with the options it connects with, and what its CONNACK said.</summary>
public sealed class LoadClient
{
    public LoadClient(IMqttClient client, MqttClientOptions options)
    {
        Client = client;
        Options = options;
    }

    public IMqttClient Client { get; }
    public MqttClientOptions Options { get; }
    public MqttClientConnectResult? Connected { get; set; }
    public string? Failure { get; set; }
}
