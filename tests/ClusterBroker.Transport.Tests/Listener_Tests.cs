using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Net.WebSockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace ClusterBroker.Transport.Tests;

public class Listener_Tests
{
    [Fact]
    public async Task Port_zero_binds_a_real_port_reported_in_bound_end_points()
    {
        await using TestServer server = await TestServer.StartAsync();
        IPEndPoint bound = Assert.Single(server.Server.BoundEndPoints);
        Assert.NotEqual(0, bound.Port);
        Assert.Equal(IPAddress.Loopback, bound.Address);
    }

    [Fact]
    public async Task Starting_on_a_port_in_use_fails_with_a_socket_error()
    {
        await using TestServer first = await TestServer.StartAsync();
        var second = new MqttServer(new TransportOptions { BindAddress = "127.0.0.1", Port = first.EndPoint.Port },
            new TestHandlerFactory(), Microsoft.Extensions.Logging.Abstractions.NullLoggerFactory.Instance);
        try
        {
            await Assert.ThrowsAnyAsync<SocketException>(second.StartAsync);
        }
        finally
        {
            await second.StopAsync();
        }
    }

    [Fact]
    public void Invalid_options_are_rejected_with_a_message_naming_the_setting()
    {
        var ex = Assert.Throws<ArgumentException>(() => new TransportOptions { Port = 70000 }.Validate());
        Assert.Contains("Transport:Port", ex.Message);
        ex = Assert.Throws<ArgumentException>(() => new TransportOptions { BindAddress = "nowhere" }.Validate());
        Assert.Contains("Transport:BindAddress", ex.Message);
    }

    [Fact]
    public async Task Many_connections_are_served_at_once_and_all_closed_handlers_are_notified()
    {
        await using TestServer server = await TestServer.StartAsync();
        const int count = 300;
        var clients = new RawClient[count];
        try
        {
            await Parallel.ForAsync(0, count, async (i, _) =>
            {
                clients[i] = await RawClient.ConnectAsync(server.EndPoint);
                await clients[i].SendAsync(Packets.Connect311);
                Assert.Equal(Packets.ConnAck311, await clients[i].ReadFrameAsync());
                await clients[i].SendAsync(Packets.PingReq);
                Assert.Equal(Packets.PingResp, await clients[i].ReadFrameAsync());
            });
            Assert.Equal(count, server.Server.ConnectionCount);
        }
        finally
        {
            foreach (RawClient client in clients)
            {
                if (client is not null)
                    await client.DisposeAsync();
            }
        }
        await Eventually.TrueAsync(() => server.Server.ConnectionCount == 0, "every connection to close");
        Assert.All(server.Handlers.Handlers, h => Assert.Equal(1, h.ClosedCount));
        Assert.All(server.Handlers.Handlers, h => Assert.Equal(0, h.ConcurrentCalls));
    }

    [Fact]
    public async Task Stop_closes_every_connection_and_notifies_their_handlers()
    {
        TestServer server = await TestServer.StartAsync();
        await using RawClient a = await RawClient.ConnectAsync(server.EndPoint);
        await using RawClient b = await RawClient.ConnectAsync(server.EndPoint);
        await a.SendAsync(Packets.Connect311);
        await b.SendAsync(Packets.Connect311);
        await a.ReadFrameAsync();
        await b.ReadFrameAsync();

        await server.Server.StopAsync().WithTimeout("StopAsync");
        await a.AssertClosedByServerAsync();
        await b.AssertClosedByServerAsync();
        Assert.All(server.Handlers.Handlers, h => Assert.Equal(1, h.ClosedCount));
        await server.Server.StopAsync(); // idempotent

        using var probe = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await Assert.ThrowsAnyAsync<SocketException>(() => probe.ConnectAsync(server.EndPoint));
    }

    [Fact]
    public async Task Mqtt_over_tls_works_with_a_pfx_certificate()
    {
        string pfx = Path.Combine(Path.GetTempPath(), $"cb-test-{Guid.NewGuid():N}.pfx");
        using (var key = RSA.Create(2048))
        {
            var request = new CertificateRequest("CN=localhost", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
            using X509Certificate2 cert = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
            File.WriteAllBytes(pfx, cert.Export(X509ContentType.Pfx, "secret"));
        }
        try
        {
            await using TestServer server = await TestServer.StartAsync(o => o.Tls = new TlsListenerOptions { Port = 0, CertificatePath = pfx, CertificatePassword = "secret" });
            IPEndPoint tls = server.Server.TlsEndPoint!;
            Assert.Equal(2, server.Server.BoundEndPoints.Count);

            using var tcp = new TcpClient();
            await tcp.ConnectAsync(IPAddress.Loopback, tls.Port);
            await using var ssl = new SslStream(tcp.GetStream(), false, (_, _, _, _) => true);
            await ssl.AuthenticateAsClientAsync("localhost").WithTimeout("the TLS handshake");
            await ssl.WriteAsync(Packets.Connect311);
            await ssl.FlushAsync();
            var connAck = new byte[4];
            await ssl.ReadExactlyAsync(connAck).AsTask().WithTimeout("CONNACK");
            Assert.Equal(Packets.ConnAck311, connAck);
            await ssl.WriteAsync(Packets.PingReq);
            await ssl.FlushAsync();
            var pingResp = new byte[2];
            await ssl.ReadExactlyAsync(pingResp).AsTask().WithTimeout("PINGRESP");
            Assert.Equal(Packets.PingResp, pingResp);

            // A 100 KB PUBLISH spans several TLS records both ways.
            var payload = new byte[100_000];
            new Random(7).NextBytes(payload);
            int remaining = 3 + payload.Length;
            byte[] publish = Packets.Concat(
                [0x30, (byte)(remaining & 0x7F | 0x80), (byte)((remaining >> 7) & 0x7F | 0x80), (byte)(remaining >> 14), 0x00, 0x01, (byte)'t'],
                payload);
            await ssl.WriteAsync(publish);
            await ssl.FlushAsync();
            var echoed = new byte[publish.Length];
            await ssl.ReadExactlyAsync(echoed).AsTask().WithTimeout("the echoed PUBLISH");
            Assert.Equal(publish, echoed);
        }
        finally
        {
            File.Delete(pfx);
        }
    }

    [Fact]
    public async Task Mqtt_over_websocket_uses_the_mqtt_subprotocol_and_binary_frames()
    {
        await using TestServer server = await TestServer.StartAsync(o => o.WebSocket = new WebSocketListenerOptions { Port = 0, Path = "/mqtt" });
        IPEndPoint ws = server.Server.WebSocketEndPoint!;

        using var client = new ClientWebSocket();
        client.Options.AddSubProtocol("mqtt");
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await client.ConnectAsync(new Uri($"ws://127.0.0.1:{ws.Port}/mqtt"), cts.Token);
        Assert.Equal("mqtt", client.SubProtocol);

        // CONNECT split over two frames of one message, PINGREQ in its own message.
        await client.SendAsync(Packets.Connect311.AsMemory(0, 6), WebSocketMessageType.Binary, false, cts.Token);
        await client.SendAsync(Packets.Connect311.AsMemory(6), WebSocketMessageType.Binary, true, cts.Token);
        Assert.Equal(Packets.ConnAck311, await ReceiveAsync(client, 4, cts.Token));
        await client.SendAsync(Packets.PingReq, WebSocketMessageType.Binary, true, cts.Token);
        Assert.Equal(Packets.PingResp, await ReceiveAsync(client, 2, cts.Token));

        // A large echoed PUBLISH (extended 16-bit length) in both directions.
        byte[] publish = Packets.Publish311("t", new string('x', 100));
        await client.SendAsync(publish, WebSocketMessageType.Binary, true, cts.Token);
        Assert.Equal(publish, await ReceiveAsync(client, publish.Length, cts.Token));

        // Closing handshake from the client.
        await client.CloseAsync(WebSocketCloseStatus.NormalClosure, "bye", cts.Token);
        TestHandler handler = server.Handlers.Single();
        await handler.Closed.Task.WithTimeout("OnConnectionClosed");
    }

    [Fact]
    public async Task A_text_frame_closes_the_websocket_connection()
    {
        await using TestServer server = await TestServer.StartAsync(o => o.WebSocket = new WebSocketListenerOptions { Port = 0, Path = "/" });
        using var client = new ClientWebSocket();
        client.Options.AddSubProtocol("mqtt");
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await client.ConnectAsync(new Uri($"ws://127.0.0.1:{server.Server.WebSocketEndPoint!.Port}/anything"), cts.Token);
        await client.SendAsync("hello"u8.ToArray(), WebSocketMessageType.Text, true, cts.Token);
        var buffer = new byte[16];
        WebSocketReceiveResult result = await client.ReceiveAsync(buffer, cts.Token);
        Assert.Equal(WebSocketMessageType.Close, result.MessageType);
        Assert.Equal(WebSocketCloseStatus.InvalidMessageType, result.CloseStatus);
        await server.Handlers.Single().Closed.Task.WithTimeout("OnConnectionClosed");
    }

    [Fact]
    public async Task A_websocket_upgrade_without_the_mqtt_subprotocol_is_refused()
    {
        await using TestServer server = await TestServer.StartAsync(o => o.WebSocket = new WebSocketListenerOptions { Port = 0 });
        using var client = new ClientWebSocket();
        client.Options.AddSubProtocol("chat");
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await Assert.ThrowsAnyAsync<WebSocketException>(() =>
            client.ConnectAsync(new Uri($"ws://127.0.0.1:{server.Server.WebSocketEndPoint!.Port}/mqtt"), cts.Token));
    }

    private static async Task<byte[]> ReceiveAsync(ClientWebSocket client, int length, CancellationToken ct)
    {
        var result = new byte[length];
        int filled = 0;
        while (filled < length)
        {
            WebSocketReceiveResult r = await client.ReceiveAsync(new ArraySegment<byte>(result, filled, length - filled), ct);
            Assert.Equal(WebSocketMessageType.Binary, r.MessageType);
            filled += r.Count;
        }
        return result;
    }
}
