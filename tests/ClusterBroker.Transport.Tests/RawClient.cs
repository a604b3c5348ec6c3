using System.Net;
using System.Net.Sockets;

namespace ClusterBroker.Transport.Tests;

/// <summary>A plain loopback TCP client that sends raw bytes and reads whole MQTT frames.</summary>
internal sealed class RawClient : IAsyncDisposable
{
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    private readonly Socket _socket;
    private readonly Stream _stream;

    private RawClient(Socket socket, Stream stream)
    {
        _socket = socket;
        _stream = stream;
    }

    public static async Task<RawClient> ConnectAsync(IPEndPoint server, IPAddress? localAddress = null)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        if (localAddress is not null)
            socket.Bind(new IPEndPoint(localAddress, 0));
        using var cts = new CancellationTokenSource(Timeout);
        await socket.ConnectAsync(new IPEndPoint(IPAddress.Loopback, server.Port), cts.Token);
        return new RawClient(socket, new NetworkStream(socket, ownsSocket: false));
    }

    public Socket Socket => _socket;

    public async Task SendAsync(params byte[] bytes)
    {
        using var cts = new CancellationTokenSource(Timeout);
        await _stream.WriteAsync(bytes, cts.Token);
        await _stream.FlushAsync(cts.Token);
    }

    /// <summary>Reads one MQTT frame (fixed header + remaining length).</summary>
    public async Task<byte[]> ReadFrameAsync()
    {
        using var cts = new CancellationTokenSource(Timeout);
        var header = new List<byte>(5);
        var one = new byte[1];
        await ReadExactlyAsync(one, cts.Token);
        header.Add(one[0]);
        int remaining = 0, multiplier = 1;
        while (true)
        {
            await ReadExactlyAsync(one, cts.Token);
            header.Add(one[0]);
            remaining += (one[0] & 0x7F) * multiplier;
            if ((one[0] & 0x80) == 0)
                break;
            multiplier <<= 7;
        }
        var frame = new byte[header.Count + remaining];
        header.CopyTo(frame);
        await ReadExactlyAsync(frame.AsMemory(header.Count), cts.Token);
        return frame;
    }

    /// <summary>Completes when the server closed the connection (end of stream or reset); fails on timeout.</summary>
    public async Task AssertClosedByServerAsync()
    {
        using var cts = new CancellationTokenSource(Timeout);
        var buffer = new byte[4096];
        try
        {
            while (await _stream.ReadAsync(buffer, cts.Token) > 0)
            {
            }
        }
        catch (IOException)
        {
        }
    }

    /// <summary>Closes with a TCP reset (SO_LINGER 0).</summary>
    public void Reset()
    {
        _socket.LingerState = new LingerOption(true, 0);
        _socket.Close();
    }

    public ValueTask DisposeAsync()
    {
        _stream.Dispose();
        _socket.Dispose();
        return ValueTask.CompletedTask;
    }

    private async Task ReadExactlyAsync(Memory<byte> buffer, CancellationToken ct)
    {
        try
        {
            await _stream.ReadExactlyAsync(buffer, ct);
        }
        catch (EndOfStreamException)
        {
            throw new EndOfStreamException("The server closed the connection.");
        }
    }
}
