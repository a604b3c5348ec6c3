using System.Security.Cryptography.X509Certificates;
using ClusterBroker.Host.Security;
using ClusterBroker.Transport;

namespace ClusterBroker.IntegrationTests;

/// <summary>
/// A TLS listener that requires client certificates (mTLS) from a test CA and takes the user name from their CN:
/// accepted certificates log in under that name and the ACL's %u patterns apply; expired, foreign, wrongly-used,
/// revoked and missing certificates are refused, each with one log line. Clients: MQTTnet and mosquitto_pub/_sub.
/// </summary>
public sealed class Client_Certificate_Tests(Client_Certificate_Tests.Fixture fixture) : IClassFixture<Client_Certificate_Tests.Fixture>
{
    private int TlsPort => fixture.TlsPort;

    [Fact]
    public async Task An_MQTTnet_client_with_a_certificate_from_the_CA_logs_in_as_its_CN_and_the_ACL_applies_to_that_name()
    {
        string name = Unique.ClientId("dev");
        var certificate = fixture.Pki.IssueClient(name, name);

        // no user name, no password: the password file alone would refuse this client (anonymous not allowed)
        await using var client = await TestClient.ConnectAsync(TlsPort, configure: fixture.Tls(certificate.Certificate));

        Assert.Equal(MqttClientPublishReasonCode.NoMatchingSubscribers, (await client.PublishAsync($"devices/{name}/status", "up", MqttQualityOfServiceLevel.AtLeastOnce)).ReasonCode);
        Assert.Equal(MqttClientPublishReasonCode.NotAuthorized, (await client.PublishAsync("devices/someone-else/status", "up", MqttQualityOfServiceLevel.AtLeastOnce)).ReasonCode);
    }

    [Fact]
    public async Task mosquitto_clients_with_certificates_exchange_messages_under_their_CN()
    {
        string name = Unique.ClientId("msq");
        var certificate = fixture.Pki.IssueClient(name, name);
        string topic = $"devices/{name}/telemetry";
        string port = TlsPort.ToString();
        string[] tls = ["--cafile", fixture.Pki.CaPath, "--cert", certificate.CertificatePath, "--key", certificate.KeyPath];

        await using var subscriber = ExternalProcess.Start("stdbuf", ["-oL", "mosquitto_sub", "-h", "127.0.0.1", "-p", port, .. tls,
            "-V", "mqttv5", "-t", topic, "-q", "1", "-C", "1", "-W", "20", "-d", "-F", "%t|%p"]);
        await MosquittoClients.WaitUntilSubscribedAsync(subscriber);
        await using (var publisher = ExternalProcess.Start("mosquitto_pub", ["-h", "127.0.0.1", "-p", port, .. tls, "-V", "mqttv311", "-t", topic, "-q", "1", "-m", "42"]))
        {
            Assert.Equal(0, await publisher.WaitForExitAsync());
        }

        await subscriber.WaitForLineAsync(line => line == $"{topic}|42", "the message at mosquitto_sub");
    }

    public static TheoryData<string, string> RefusedCertificates => new()
    {
        { "expired", "NotTimeValid" },
        { "other-ca", "chain not accepted" },
        { "server-usage", "NotValidForUsage" },
        { "no-digital-signature", "lacks digitalSignature" },
        { "revoked", "revoked by the CRL" },
        { "none", "presented no certificate" },
    };

    [Theory]
    [MemberData(nameof(RefusedCertificates))]
    public async Task A_certificate_the_listener_must_not_accept_is_refused_and_logged_once(string kind, string reason)
    {
        string name = Unique.ClientId(kind);
        string[] certificateArguments = kind switch
        {
            "none" => [],
            "revoked" => [.. Files(fixture.Revoked)],
            _ => [.. Files(kind switch
            {
                "expired" => fixture.Pki.IssueClient(name, name, notBefore: DateTimeOffset.UtcNow.AddDays(-10), notAfter: DateTimeOffset.UtcNow.AddDays(-1)),
                "other-ca" => fixture.Pki.IssueClient(name, name, issuer: fixture.OtherCa),
                "server-usage" => fixture.Pki.IssueClient(name, name, clientAuthUsage: false),
                "no-digital-signature" => fixture.Pki.IssueClient(name, name, keyUsage: X509KeyUsageFlags.NonRepudiation),
                _ => throw new ArgumentOutOfRangeException(nameof(kind)),
            })],
        };
        string logged = kind switch
        {
            "none" => "presented no certificate",
            "revoked" => fixture.Revoked.Certificate.Subject,
            _ => $"CN={name}",
        };
        int before = fixture.Broker.Logs.WarningsMentioning(logged).Count;

        await using (var publisher = ExternalProcess.Start("mosquitto_pub", ["-h", "127.0.0.1", "-p", TlsPort.ToString(), "--cafile", fixture.Pki.CaPath,
            .. certificateArguments, "-V", "mqttv5", "-i", name, "-t", $"devices/{name}/x", "-q", "1", "-m", "refused"]))
        {
            Assert.NotEqual(0, await publisher.WaitForExitAsync());
        }

        await Eventually.AssertAsync(() => fixture.Broker.Logs.WarningsMentioning(logged).Count > before, $"a warning naming {logged}");
        var lines = fixture.Broker.Logs.WarningsMentioning(logged).Skip(before).ToList();
        var line = Assert.Single(lines);
        Assert.Contains(reason, line.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(fixture.Broker.Logs.Entries, e => e.Message.Contains($"Client {name} connected", StringComparison.Ordinal));
    }

    [Fact]
    public async Task An_MQTTnet_client_with_a_certificate_of_another_CA_is_refused()
    {
        string name = Unique.ClientId("foreign");
        var certificate = fixture.Pki.IssueClient(name, name, issuer: fixture.OtherCa);

        await Assert.ThrowsAnyAsync<Exception>(() => TestClient.ConnectAsync(TlsPort, configure: fixture.Tls(certificate.Certificate)));

        await Eventually.AssertAsync(() => fixture.Broker.Logs.WarningsMentioning($"CN={name}").Count == 1, "one warning naming the refused certificate");
    }

    [Fact]
    public async Task In_request_mode_a_client_without_a_certificate_uses_its_password_and_one_with_a_certificate_gets_its_SAN_as_user_name()
    {
        await using var broker = await fixture.StartBrokerAsync(ClientCertificateMode.Request, CertificateUsernameSource.San, crl: false);
        int port = Fixture.TlsPortOf(broker);

        await using (var withPassword = await TestClient.ConnectAsync(port, configure: b => fixture.Tls(null)(b.WithCredentials("alice", "pw"))))
        {
            Assert.Equal(MqttClientPublishReasonCode.NoMatchingSubscribers, (await withPassword.PublishAsync("alice/x", "hi", MqttQualityOfServiceLevel.AtLeastOnce)).ReasonCode);
        }
        // anonymous and certificate-less: the password rules refuse it
        Assert.Equal(MqttClientConnectResultCode.NotAuthorized, await TestClient.ConnectResultCodeAsync(port, configure: fixture.Tls(null)));

        string host = Unique.ClientId("gw") + ".example";
        var certificate = fixture.Pki.IssueClient(Unique.ClientId("san"), "not-the-name", dnsName: host);
        await using var withCertificate = await TestClient.ConnectAsync(port, configure: fixture.Tls(certificate.Certificate));
        Assert.Equal(MqttClientPublishReasonCode.NoMatchingSubscribers, (await withCertificate.PublishAsync($"devices/{host}/x", "hi", MqttQualityOfServiceLevel.AtLeastOnce)).ReasonCode);
        Assert.Equal(MqttClientPublishReasonCode.NotAuthorized, (await withCertificate.PublishAsync("devices/not-the-name/x", "hi", MqttQualityOfServiceLevel.AtLeastOnce)).ReasonCode);
    }

    [Fact]
    public async Task A_client_authenticated_by_its_certificate_that_also_asks_for_enhanced_authentication_is_refused_with_0x8C()
    {
        string name = Unique.ClientId("both");
        var certificate = fixture.Pki.IssueClient(name, name);

        var code = await TestClient.ConnectResultCodeAsync(TlsPort, configure: b =>
        {
            fixture.Tls(certificate.Certificate)(b);
            b.WithEnhancedAuthentication("SCRAM-SHA-256", System.Text.Encoding.ASCII.GetBytes("n,,n=alice,r=abcdefgh"));
        });

        Assert.Equal(MqttClientConnectResultCode.BadAuthenticationMethod, code);
    }

    private static string[] Files(TestPki.ClientCertificate certificate) => ["--cert", certificate.CertificatePath, "--key", certificate.KeyPath];

    /// <summary>A broker whose TLS listener requires certificates of <see cref="Pki"/>, names users by CN, and knows one revoked certificate.</summary>
    public sealed class Fixture : IAsyncLifetime
    {
        public const string Acl = """
            user alice
            topic readwrite alice/#

            pattern readwrite devices/%u/#
            """;

        private TestBroker? _broker;

        public TestPki Pki { get; } = new();

        public TestPki OtherCa { get; } = new("Other CA");

        public SecurityFiles Files { get; } = new();

        public TestPki.ClientCertificate Revoked { get; private set; } = null!;

        public TestBroker Broker => _broker ?? throw new InvalidOperationException("broker not started");

        public int TlsPort => TlsPortOf(Broker);

        public static int TlsPortOf(TestBroker broker) => broker.Host.EndPoints.Single(e => e.Port != broker.Port).Port;

        /// <summary>MQTTnet TLS options: trusts the test CA's server certificate, presents the client certificate if given.</summary>
        public Action<MqttClientOptionsBuilder> Tls(X509Certificate2? clientCertificate) => b => b.WithTlsOptions(o =>
        {
            o.UseTls(true)
                .WithTargetHost("localhost")
                .WithCertificateValidationHandler(e => e.Certificate?.Issuer == Pki.Authority.Subject);
            if (clientCertificate is not null)
            {
                o.WithClientCertificates([clientCertificate]);
            }
        });

        public async Task InitializeAsync()
        {
            await Files.AddUserAsync("alice", "pw");
            Files.WriteAcl(Acl);
            Revoked = Pki.IssueClient("revoked", Unique.ClientId("revoked"));
            Pki.Revoke(Revoked.Certificate);
            Pki.IssueClient("unrelated", "unrelated"); // listed CRLs usually hold more than one entry
            _broker = await StartBrokerAsync(ClientCertificateMode.Require, CertificateUsernameSource.Cn, crl: true);
        }

        public Task<TestBroker> StartBrokerAsync(ClientCertificateMode mode, CertificateUsernameSource usernameSource, bool crl)
        {
            var server = Pki.IssueServer();
            string? crlPath = crl ? Pki.WriteCrl() : null;
            return TestBroker.StartAsync(
                configureTransport: t => t.Tls = new TlsListenerOptions
                {
                    Port = 0,
                    CertificatePath = server.CertificatePath,
                    KeyPath = server.KeyPath,
                    ClientCertificate = mode,
                    ClientCaPath = Pki.CaPath,
                    CrlPath = crlPath,
                    CertificateAsUsername = usernameSource,
                },
                security: new SecurityOptions
                {
                    PasswordFile = Files.PasswordFile,
                    AclFile = Files.AclFile,
                    AllowAnonymous = false,
                    FailureDelay = TimeSpan.Zero,
                });
        }

        public async Task DisposeAsync()
        {
            if (_broker is not null)
            {
                await _broker.DisposeAsync();
            }
            await Files.DisposeAsync();
            Pki.Dispose();
            OtherCa.Dispose();
        }
    }
}
