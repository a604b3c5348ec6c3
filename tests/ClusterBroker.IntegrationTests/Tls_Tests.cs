using ClusterBroker.Transport;

namespace ClusterBroker.IntegrationTests;

/// <summary>MQTT over TLS (section 5.1, port 8883 style listener) next to plain TCP.</summary>
public sealed class Tls_Tests : IDisposable
{
    private readonly SelfSignedCertificate _certificate = new();

    public void Dispose() => _certificate.Dispose();

    private Task<TestBroker> StartWithTlsAsync() =>
        TestBroker.StartAsync(configureTransport: t => t.Tls = new TlsListenerOptions
        {
            Port = 0,
            CertificatePath = _certificate.PfxPath,
            CertificatePassword = SelfSignedCertificate.Password,
        });

    private static int TlsPort(TestBroker broker) => broker.Host.EndPoints.Single(e => e.Port != broker.Port).Port;

    private Action<MqttClientOptionsBuilder> Tls => b => b.WithTlsOptions(o => o
        .UseTls(true)
        .WithTargetHost("localhost")
        .WithCertificateValidationHandler(e => string.Equals(e.Certificate?.GetCertHashString(), _certificate.Thumbprint, StringComparison.OrdinalIgnoreCase)));

    [Theory]
    [InlineData(MqttProtocolVersion.V311)]
    [InlineData(MqttProtocolVersion.V500)]
    public async Task A_TLS_client_and_a_TCP_client_exchange_messages(MqttProtocolVersion version)
    {
        await using var broker = await StartWithTlsAsync();
        var topic = Unique.Topic();
        var tlsPort = TlsPort(broker);
        await using var overTls = await TestClient.ConnectAsync(tlsPort, version: version, configure: Tls);
        await using var overTcp = await TestClient.ConnectAsync(broker.Port);
        await overTls.SubscribeAsync($"{topic}/to-tls", Q.Q1);
        await overTcp.SubscribeAsync($"{topic}/to-tcp", Q.Q1);

        await overTcp.PublishAsync($"{topic}/to-tls", "secret", Q.Q1);
        await overTls.PublishAsync($"{topic}/to-tcp", "from tls", Q.Q2);

        Assert.Equal("secret", (await overTls.Messages.WaitForAsync(m => m.Topic == $"{topic}/to-tls", "the message over TLS")).Payload);
        Assert.Equal("from tls", (await overTcp.Messages.WaitForAsync(m => m.Topic == $"{topic}/to-tcp", "the message over TCP")).Payload);
    }

    [Fact]
    public async Task mosquitto_clients_verify_the_certificate_and_round_trip_over_TLS()
    {
        await using var broker = await StartWithTlsAsync();
        var topic = Unique.Topic();
        var port = TlsPort(broker).ToString();
        await using var subscriber = ExternalProcess.Start("stdbuf", "-oL", "mosquitto_sub", "-h", "127.0.0.1", "-p", port, "--cafile", _certificate.PemPath,
            "-V", "mqttv5", "-t", topic, "-q", "1", "-C", "1", "-W", "20", "-d", "-F", "%t|%q|%p");
        await MosquittoClients.WaitUntilSubscribedAsync(subscriber);

        await using (var publisher = ExternalProcess.Start("mosquitto_pub", "-h", "127.0.0.1", "-p", port, "--cafile", _certificate.PemPath,
            "-V", "mqttv311", "-t", topic, "-q", "1", "-m", "over-tls"))
        {
            Assert.Equal(0, await publisher.WaitForExitAsync());
        }

        await subscriber.WaitForLineAsync(line => line == $"{topic}|1|over-tls", "the message at mosquitto_sub over TLS");
    }

    [Fact]
    public async Task A_plain_MQTT_CONNECT_on_the_TLS_port_is_not_answered_and_the_connection_closes()
    {
        await using var broker = await StartWithTlsAsync();
        await using var raw = await RawMqttConnection.OpenAsync(TlsPort(broker));

        await raw.TrySendAsync(RawPackets.Connect(4, Unique.ClientId()));
        var before = await raw.WaitForCloseAsync(TimeSpan.FromSeconds(20)); // a TLS handshake timeout may be what closes it

        Assert.DoesNotContain(before, p => p.Type == RawPacket.ConnAck);
        await using var stillWorks = await TestClient.ConnectAsync(TlsPort(broker), configure: Tls);
        await stillWorks.PingAsync();
    }
}
