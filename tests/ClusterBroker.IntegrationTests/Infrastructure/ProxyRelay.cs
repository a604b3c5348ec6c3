using System.Net;
using System.Net.Sockets;
using System.Text;

namespace ClusterBroker.IntegrationTests.Infrastructure;

/// <summary>
/// A tiny loopback load balancer for PROXY protocol tests: every connection accepted on <see cref="Port"/> is
/// forwarded to the broker after a PROXY header naming <see cref="ClientAddress"/> (what a real balancer would
/// write for the client it accepted). Disposing stops it and closes every forwarded connection.
/// </summary>
public sealed class ProxyRelay : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly int _brokerPort;
    private readonly Func<byte[]> _header;
    private readonly CancellationTokenSource _stop = new();
    private readonly List<Task> _pumps = [];
    private readonly Task _accepting;

    /// <param name="header">The header written before the client's bytes, built for each connection.</param>
    public ProxyRelay(int brokerPort, Func<byte[]> header)
    {
        _brokerPort = brokerPort;
        _header = header;
        _listener.Start();
        _accepting = AcceptAsync();
    }

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await _listener.AcceptTcpClientAsync(_stop.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }
            lock (_pumps)
            {
                _pumps.Add(ForwardAsync(client));
            }
        }
    }

    private async Task ForwardAsync(TcpClient client)
    {
        using (client)
        using (var upstream = new TcpClient())
        {
            try
            {
                await upstream.ConnectAsync(IPAddress.Loopback, _brokerPort, _stop.Token);
                NetworkStream toBroker = upstream.GetStream();
                NetworkStream toClient = client.GetStream();
                await toBroker.WriteAsync(_header(), _stop.Token);
                // whichever side closes first ends both directions
                await Task.WhenAny(toClient.CopyToAsync(toBroker, _stop.Token), toBroker.CopyToAsync(toClient, _stop.Token));
            }
            catch (Exception e) when (e is OperationCanceledException or IOException or SocketException or ObjectDisposedException)
            {
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        _stop.Cancel();
        _listener.Stop();
        Task[] pumps;
        lock (_pumps)
        {
            pumps = [.. _pumps];
        }
        await Task.WhenAll([_accepting, .. pumps]).WaitAsync(TestTimeouts.Default).ContinueWith(static _ => { }, TaskScheduler.Default);
        _stop.Dispose();
    }

    /// <summary>A version 1 (text) header for a TCP connection from <paramref name="source"/>.</summary>
    public static byte[] V1(IPEndPoint source, int destinationPort = 1883)
    {
        bool v4 = source.AddressFamily == AddressFamily.InterNetwork;
        string destination = v4 ? "127.0.0.1" : "::1";
        return Encoding.ASCII.GetBytes($"PROXY {(v4 ? "TCP4" : "TCP6")} {source.Address} {destination} {source.Port} {destinationPort}\r\n");
    }

    /// <summary>A version 2 (binary) PROXY header for a TCP connection from <paramref name="source"/>, with an optional TLV after the addresses.</summary>
    public static byte[] V2(IPEndPoint source, int destinationPort = 1883, byte[]? tlv = null)
    {
        bool v4 = source.AddressFamily == AddressFamily.InterNetwork;
        byte[] destination = (v4 ? IPAddress.Loopback : IPAddress.IPv6Loopback).GetAddressBytes();
        var body = new List<byte>();
        body.AddRange(source.Address.GetAddressBytes());
        body.AddRange(destination);
        body.AddRange(RawPackets.U16(source.Port));
        body.AddRange(RawPackets.U16(destinationPort));
        body.AddRange(tlv ?? []);
        return [.. V2Signature, 0x21, (byte)(v4 ? 0x11 : 0x21), .. RawPackets.U16(body.Count), .. body];
    }

    public static readonly byte[] V2Signature = [0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A];
}
