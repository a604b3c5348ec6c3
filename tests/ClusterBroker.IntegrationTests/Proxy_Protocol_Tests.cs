using System.Net;
using System.Text;
using ClusterBroker.Host.Security;

namespace ClusterBroker.IntegrationTests;

/// <summary>
/// A TCP listener behind a load balancer speaking the PROXY protocol (v1 text, v2 binary): the client address in the
/// header is the one logged and the one bans apply to; connections without a valid header are closed with a log line.
/// The balancer is <see cref="ProxyRelay"/>, a loopback relay that prepends the header to what MQTTnet sends.
/// </summary>
public sealed class Proxy_Protocol_Tests
{
    private static Task<TestBroker> StartAsync(SecurityOptions? security = null) =>
        TestBroker.StartAsync(configureTransport: t => t.ProxyProtocol = true, security: security);

    /// <summary>The address the broker holds for the connected client (what its logs, bans and the admin API show).</summary>
    private static string? RemoteEndPointOf(TestBroker broker, string clientId) =>
        broker.Host.Node.Context.Connections.Snapshot().Select(c => c.Describe()).FirstOrDefault(i => i.ClientId == clientId)?.RemoteEndPoint;

    [Fact]
    public async Task A_client_behind_a_v2_balancer_is_served_and_logged_with_the_address_from_the_header()
    {
        await using var broker = await StartAsync();
        await using var relay = new ProxyRelay(broker.Port, () => ProxyRelay.V2(IPEndPoint.Parse("203.0.113.7:4711"), tlv: [0x04, 0x00, 0x02, 0xAB, 0xCD]));
        string topic = Unique.Topic();

        await using var client = await TestClient.ConnectAsync(relay.Port);
        await client.SubscribeAsync(topic);
        await client.PublishAsync(topic, "through the balancer", MqttQualityOfServiceLevel.AtLeastOnce);

        await client.Messages.WaitForAsync(m => m.Payload == "through the balancer", "the message through the relay");
        Assert.Equal($"203.0.113.7:4711", RemoteEndPointOf(broker, client.ClientId));
    }

    [Fact]
    public async Task A_client_behind_a_v1_balancer_is_logged_with_its_IPv6_address_from_the_header()
    {
        await using var broker = await StartAsync();
        await using var relay = new ProxyRelay(broker.Port, () => ProxyRelay.V1(IPEndPoint.Parse("[2001:db8::5]:4712")));

        await using var client = await TestClient.ConnectAsync(relay.Port, version: MqttProtocolVersion.V311);
        await client.PingAsync();

        Assert.Equal($"[2001:db8::5]:4712", RemoteEndPointOf(broker, client.ClientId));
    }

    [Fact]
    public async Task Failed_logins_ban_the_address_from_the_header_not_the_balancer()
    {
        await using var files = new SecurityFiles();
        await files.AddUserAsync("alice", "right");
        await using var broker = await StartAsync(new SecurityOptions
        {
            PasswordFile = files.PasswordFile,
            FailureDelay = TimeSpan.Zero,
            MaxFailedAttempts = 2,
            BanDuration = TimeSpan.FromMinutes(5),
        });
        // both relays connect to the broker from 127.0.0.1; only their headers differ
        await using var attacker = new ProxyRelay(broker.Port, () => ProxyRelay.V2(IPEndPoint.Parse("198.51.100.9:5000")));
        await using var bystander = new ProxyRelay(broker.Port, () => ProxyRelay.V1(IPEndPoint.Parse("198.51.100.10:5001")));

        for (int i = 0; i < 2; i++)
        {
            Assert.Equal(MqttClientConnectResultCode.BadUserNameOrPassword,
                await TestClient.ConnectResultCodeAsync(attacker.Port, configure: b => b.WithCredentials("alice", "wrong")));
        }

        Assert.Equal(MqttClientConnectResultCode.Banned, await TestClient.ConnectResultCodeAsync(attacker.Port, configure: b => b.WithCredentials("alice", "right")));
        Assert.Equal(MqttClientConnectResultCode.Success, await TestClient.ConnectResultCodeAsync(bystander.Port, configure: b => b.WithCredentials("alice", "right")));
        Assert.Contains(broker.Logs.Entries, e => e.Level >= Microsoft.Extensions.Logging.LogLevel.Warning && e.Message.Contains("198.51.100.9", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_connection_without_a_PROXY_header_is_closed_with_a_log_line()
    {
        await using var broker = await StartAsync();
        await using var raw = await RawMqttConnection.OpenAsync(broker.Port);

        await raw.TrySendAsync(RawPackets.Connect(4, Unique.ClientId()));
        var received = await raw.WaitForCloseAsync();

        Assert.Empty(received);
        await Eventually.AssertAsync(() => broker.Logs.WarningsMentioning("no PROXY protocol header (first byte 0x10)").Count == 1, "one warning naming the missing header");
    }

    public static TheoryData<string, byte[]> MalformedHeaders => new()
    {
        { "too few fields", Encoding.ASCII.GetBytes("PROXY TCP4 192.0.2.1\r\n") },
        { "not an IPv4 address", Encoding.ASCII.GetBytes("PROXY TCP4 300.1.1.1 127.0.0.1 1234 1883\r\n") },
        { "port out of range", Encoding.ASCII.GetBytes("PROXY TCP4 192.0.2.1 127.0.0.1 70000 1883\r\n") },
        { "unknown protocol", Encoding.ASCII.GetBytes("PROXY UDP4 192.0.2.1 127.0.0.1 1 2\r\n") },
        { "no CRLF within 107 bytes", Encoding.ASCII.GetBytes("PROXY TCP4 " + new string('1', 120)) },
        { "bad v2 signature", [0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0B, 0x21, 0x11, 0x00, 0x0C] },
        { "v2 version 3", [.. ProxyRelay.V2Signature, 0x31, 0x11, 0x00, 0x0C, 192, 0, 2, 1, 127, 0, 0, 1, 0, 1, 0, 2] },
        { "v2 length shorter than its addresses", [.. ProxyRelay.V2Signature, 0x21, 0x11, 0x00, 0x04, 192, 0, 2, 1] },
        { "v2 undefined family", [.. ProxyRelay.V2Signature, 0x21, 0x51, 0x00, 0x00] },
    };

    [Theory]
    [MemberData(nameof(MalformedHeaders))]
    public async Task A_malformed_PROXY_header_closes_the_connection_with_a_log_line_and_the_listener_keeps_serving(string description, byte[] header)
    {
        await using var broker = await StartAsync();
        await using (var raw = await RawMqttConnection.OpenAsync(broker.Port))
        {
            await raw.TrySendAsync([.. header, .. RawPackets.Connect(4, Unique.ClientId())]);
            Assert.Empty(await raw.WaitForCloseAsync());
        }

        await Eventually.AssertAsync(() => broker.Logs.WarningsMentioning("expects the PROXY protocol: Transport:ProxyProtocol").Count == 1, $"one warning for the header with {description}");
        await using var relay = new ProxyRelay(broker.Port, () => ProxyRelay.V1(IPEndPoint.Parse("192.0.2.50:1000")));
        await using var client = await TestClient.ConnectAsync(relay.Port);
        await client.PingAsync();
    }

    [Fact]
    public async Task A_header_that_arrives_in_pieces_with_the_CONNECT_behind_it_is_read_whole()
    {
        await using var broker = await StartAsync();
        await using var raw = await RawMqttConnection.OpenAsync(broker.Port);
        byte[] header = ProxyRelay.V2(IPEndPoint.Parse("192.0.2.77:6000"));
        string clientId = Unique.ClientId();

        await raw.SendAsync(header[..5]);
        await raw.SendAsync(header[5..14]);
        await raw.SendAsync([.. header[14..], .. RawPackets.Connect(4, clientId)]);

        await raw.ExpectAsync(RawPacket.ConnAck);
        Assert.Equal($"192.0.2.77:6000", RemoteEndPointOf(broker, clientId));
    }

    [Fact]
    public async Task A_LOCAL_v2_header_keeps_the_socket_address()
    {
        await using var broker = await StartAsync();
        await using var raw = await RawMqttConnection.OpenAsync(broker.Port);
        string clientId = Unique.ClientId();

        await raw.SendAsync([.. ProxyRelay.V2Signature, 0x20, 0x00, 0x00, 0x00, .. RawPackets.Connect(4, clientId)]);

        await raw.ExpectAsync(RawPacket.ConnAck);
        Assert.Equal($"127.0.0.1:{raw.LocalPort}", RemoteEndPointOf(broker, clientId));
    }

    [Fact]
    public async Task The_TLS_listener_reads_the_PROXY_header_before_the_TLS_handshake()
    {
        using var pki = new TestPki();
        var server = pki.IssueServer();
        await using var broker = await TestBroker.StartAsync(configureTransport: t => t.Tls = new ClusterBroker.Transport.TlsListenerOptions
        {
            Port = 0,
            CertificatePath = server.CertificatePath,
            KeyPath = server.KeyPath,
            ProxyProtocol = true,
        });
        int tlsPort = broker.Host.EndPoints.Single(e => e.Port != broker.Port).Port;
        await using var relay = new ProxyRelay(tlsPort, () => ProxyRelay.V2(IPEndPoint.Parse("203.0.113.99:7000")));

        await using var client = await TestClient.ConnectAsync(relay.Port, configure: b => b.WithTlsOptions(o => o
            .UseTls(true)
            .WithTargetHost("localhost")
            .WithCertificateValidationHandler(e => e.Certificate?.Issuer == pki.Authority.Subject)));
        await client.PingAsync();

        Assert.Equal("203.0.113.99:7000", RemoteEndPointOf(broker, client.ClientId));
        // the plain TCP listener was not asked to expect PROXY: it serves clients directly
        await using var direct = await TestClient.ConnectAsync(broker.Port);
        await direct.PingAsync();
    }

    [Fact]
    public async Task The_WebSocket_listener_reads_the_PROXY_header_before_the_HTTP_upgrade()
    {
        await using var broker = await TestBroker.StartAsync(configureTransport: t => t.WebSocket = new ClusterBroker.Transport.WebSocketListenerOptions { Port = 0, Path = "/mqtt", ProxyProtocol = true });
        int webSocketPort = broker.Host.EndPoints.Single(e => e.Port != broker.Port).Port;
        await using var relay = new ProxyRelay(webSocketPort, () => ProxyRelay.V1(IPEndPoint.Parse("198.51.100.44:8000")));

        await using var client = await TestClient.ConnectWebSocketAsync($"ws://127.0.0.1:{relay.Port}/mqtt");
        await client.PingAsync();

        Assert.Equal("198.51.100.44:8000", RemoteEndPointOf(broker, client.ClientId));
    }
}
