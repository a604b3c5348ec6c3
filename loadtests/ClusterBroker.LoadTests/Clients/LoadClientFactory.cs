using System.Net;
using ClusterBroker.LoadTests.Configuration;
using MQTTnet;
using MQTTnet.Formatter;

namespace ClusterBroker.LoadTests.Clients;

/// <summary>
/// Builds MQTTnet clients for the message scenarios. Socket buffers are set large (256 KiB by default):
/// MQTTnet's default 8 KiB disables kernel autotuning and would measure the runner, not the broker.
/// Each client connects to the endpoint its placement chose (see ClientPlacement); source addresses are
/// spread over 127.0.0.0/8 by client index.
/// </summary>
public sealed class LoadClientFactory
{
    private readonly RunSettings _settings;
    private readonly MqttClientFactory _factory = new();

    public LoadClientFactory(RunSettings settings) => _settings = settings;

    public IMqttClient CreateClient() => _factory.CreateMqttClient();

    /// <summary>Options for a client connecting to endpoint <paramref name="brokerIndex"/> (default: round robin by client index).</summary>
    public MqttClientOptions Options(string clientId, int clientIndex, int? brokerIndex = null)
    {
        var broker = _settings.Brokers[(brokerIndex ?? clientIndex) % _settings.Brokers.Count].ToIPEndPoint();
        var builder = new MqttClientOptionsBuilder()
            .WithEndPoint(broker)
            .WithClientId(clientId)
            .WithProtocolVersion(_settings.Protocol == MqttProtocol.V500 ? MqttProtocolVersion.V500 : MqttProtocolVersion.V311)
            .WithKeepAlivePeriod(TimeSpan.FromSeconds(_settings.KeepAliveSeconds))
            .WithTimeout(TimeSpan.FromSeconds(_settings.ConnectTimeoutSeconds));
        builder = _settings.Protocol == MqttProtocol.V500
            ? builder.WithCleanStart(_settings.CleanStart)
            : builder.WithCleanSession(_settings.CleanStart);
        if (_settings.Protocol == MqttProtocol.V500 && _settings.TopicAliasMaximum > 0)
        {
            builder = builder.WithTopicAliasMaximum(_settings.TopicAliasMaximum);
        }

        if (_settings.Username is not null)
        {
            builder = builder.WithCredentials(_settings.Username, _settings.Password ?? string.Empty);
        }

        // The TCP settings go on the built options: WithEndPoint replaces the channel options that WithTcpServer
        // configured, which left every client with MQTTnet's 8 KiB socket buffers (16 KiB in the kernel) and the
        // kernel dropping (and retransmitting 200 ms later) any segment larger than that.
        MqttClientOptions options = builder.Build();
        var tcp = (MqttClientTcpOptions)options.ChannelOptions;
        tcp.BufferSize = _settings.SocketBufferBytes;
        tcp.NoDelay = true;
        if (_settings.SpreadSourceAddresses)
        {
            tcp.LocalEndpoint = new IPEndPoint(SourceAddressPool.For(clientIndex), 0);
        }

        return options;
    }
}
