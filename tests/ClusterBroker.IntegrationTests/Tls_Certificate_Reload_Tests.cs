using System.Security.Authentication;
using ClusterBroker.Transport;

namespace ClusterBroker.IntegrationTests;

/// <summary>
/// The TLS listener's server certificate from PEM files: replaced files are picked up by new connections while
/// open connections carry on; a broken replacement keeps the previous certificate; the minimum TLS version.
/// </summary>
public sealed class Tls_Certificate_Reload_Tests : IDisposable
{
    private readonly TestPki _pki = new();

    public void Dispose() => _pki.Dispose();

    private static int TlsPort(TestBroker broker) => broker.Host.EndPoints.Single(e => e.Port != broker.Port).Port;

    private Task<TestBroker> StartAsync(string certificatePath, string keyPath, string minimumProtocol = "1.2") =>
        TestBroker.StartAsync(configureTransport: t => t.Tls = new TlsListenerOptions
        {
            Port = 0,
            CertificatePath = certificatePath,
            KeyPath = keyPath,
            MinimumProtocol = minimumProtocol,
        });

    /// <summary>Connects over TLS and returns the client with the subject of the certificate the broker presented.</summary>
    private async Task<(TestClient Client, string Subject)> ConnectAsync(int port, SslProtocols protocols = SslProtocols.None)
    {
        string subject = "";
        var client = await TestClient.ConnectAsync(port, configure: b => b.WithTlsOptions(o =>
        {
            o.UseTls(true)
                .WithTargetHost("localhost")
                .WithCertificateValidationHandler(e =>
                {
                    subject = e.Certificate?.Subject ?? "";
                    return e.Certificate?.Issuer == _pki.Authority.Subject;
                });
            if (protocols != SslProtocols.None)
            {
                o.WithSslProtocols(protocols);
            }
        }));
        return (client, subject);
    }

    /// <summary>Replaces a file as deployment tools do: written aside, then renamed over the old one.</summary>
    private static void Replace(string path, string newContentPath)
    {
        string aside = path + ".new";
        File.Copy(newContentPath, aside, overwrite: true);
        File.Move(aside, path, overwrite: true);
    }

    [Fact]
    public async Task New_connections_get_a_replaced_certificate_and_open_connections_keep_working()
    {
        var first = _pki.IssueServer("first.example", "first");
        await using var broker = await StartAsync(first.CertificatePath, first.KeyPath);
        int port = TlsPort(broker);
        var (old, oldSubject) = await ConnectAsync(port);
        await using var _ = old;
        Assert.Contains("CN=first.example", oldSubject);

        var second = _pki.IssueServer("second.example", "second");
        Replace(first.KeyPath, second.KeyPath);
        Replace(first.CertificatePath, second.CertificatePath);

        string latest = "";
        Assert.True(await Eventually.TrueAsync(async () =>
        {
            var (probe, subject) = await ConnectAsync(port);
            await probe.DisposeAsync();
            latest = subject;
            return subject.Contains("CN=second.example", StringComparison.Ordinal);
        }), $"a new connection should see the new certificate; it saw {latest}");

        // the connection made before the change still works both ways
        string topic = Unique.Topic();
        await old.SubscribeAsync(topic);
        var (fresh, _) = await ConnectAsync(port);
        await using var __ = fresh;
        await fresh.PublishAsync(topic, "after the reload", MqttQualityOfServiceLevel.AtLeastOnce);
        await old.Messages.WaitForAsync(m => m.Payload == "after the reload", "the message on the connection opened before the reload");
        Assert.Contains(broker.Logs.Entries, e => e.Message.Contains("TLS server certificate reloaded", StringComparison.Ordinal) && e.Message.Contains("second.example", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_replacement_that_cannot_be_loaded_is_logged_and_the_previous_certificate_stays()
    {
        var first = _pki.IssueServer("kept.example", "kept");
        await using var broker = await StartAsync(first.CertificatePath, first.KeyPath);
        int port = TlsPort(broker);

        string broken = Path.Combine(_pki.Directory, "broken.pem");
        File.WriteAllText(broken, "-----BEGIN CERTIFICATE-----\nnot base64\n-----END CERTIFICATE-----\n");
        Replace(first.CertificatePath, broken);

        // each new handshake looks at the files (at most once a second)
        Assert.True(await Eventually.TrueAsync(async () =>
        {
            var (probe, _) = await ConnectAsync(port);
            await probe.DisposeAsync();
            return broker.Logs.WarningsMentioning("cannot be loaded").Count > 0;
        }), "a warning about the unusable certificate file");
        var (client, subject) = await ConnectAsync(port);
        await using var kept = client;
        Assert.Contains("CN=kept.example", subject);
        Assert.Single(broker.Logs.WarningsMentioning("cannot be loaded"));
    }

    [Fact]
    public async Task With_TLS_1_3_as_the_minimum_a_TLS_1_2_client_is_refused_and_a_TLS_1_3_client_connects()
    {
        var server = _pki.IssueServer();
        await using var broker = await StartAsync(server.CertificatePath, server.KeyPath, minimumProtocol: "1.3");
        int port = TlsPort(broker);

        await Assert.ThrowsAnyAsync<Exception>(() => ConnectAsync(port, SslProtocols.Tls12));
        // mosquitto's --tls-version is a minimum (it would negotiate 1.3), so OpenSSL's own client stands for a 1.2-only one
        await using (var openssl12 = ExternalProcess.Start("bash", "-c", $"openssl s_client -connect 127.0.0.1:{port} -tls1_2 -CAfile '{_pki.CaPath}' -verify_return_error < /dev/null"))
        {
            Assert.NotEqual(0, await openssl12.WaitForExitAsync());
        }
        await using (var openssl13 = ExternalProcess.Start("bash", "-c", $"openssl s_client -connect 127.0.0.1:{port} -tls1_3 -CAfile '{_pki.CaPath}' -verify_return_error -brief < /dev/null"))
        {
            Assert.Equal(0, await openssl13.WaitForExitAsync()); // s_client ends at the end of its input
            Assert.Contains(openssl13.Errors.Snapshot().Concat(openssl13.Output.Snapshot()), line => line.Contains("TLSv1.3", StringComparison.Ordinal));
        }

        var (client, _) = await ConnectAsync(port, SslProtocols.Tls13);
        await using var __ = client;
        await client.PingAsync();
        await MosquittoClients.PublishAsync(port, "mqttv311", Unique.Topic(), 1, "tls13", extra: ["--cafile", _pki.CaPath, "--tls-version", "tlsv1.3"]);
    }
}
