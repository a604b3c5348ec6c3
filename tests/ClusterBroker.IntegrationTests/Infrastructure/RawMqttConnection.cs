using System.Net;
using System.Net.Sockets;
using System.Threading.Channels;

namespace ClusterBroker.IntegrationTests.Infrastructure;

/// <summary>
/// A plain TCP connection to the broker that writes exact bytes and reads whole packets (framed by
/// hand: first byte + remaining length). A background loop reads into a channel, so a timed-out
/// wait never loses bytes; the channel completes when the broker closes the connection.
/// </summary>
public sealed class RawMqttConnection : IAsyncDisposable
{
    private readonly Socket _socket;
    private readonly Channel<RawPacket> _packets = Channel.CreateUnbounded<RawPacket>();
    private readonly TaskCompletionSource _closed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Task _readLoop;

    private RawMqttConnection(Socket socket)
    {
        _socket = socket;
        _readLoop = Task.Run(ReadLoopAsync);
    }

    /// <summary>Completes when the broker closed (or reset) the connection.</summary>
    public Task Closed => _closed.Task;

    public bool IsClosed => _closed.Task.IsCompleted;

    /// <summary>The local port, which the broker sees (and logs) as the client's remote end point.</summary>
    public int LocalPort { get; private set; }

    public static async Task<RawMqttConnection> OpenAsync(int port)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        using var cts = new CancellationTokenSource(TestTimeouts.Default);
        await socket.ConnectAsync(new IPEndPoint(IPAddress.Loopback, port), cts.Token);
        return new RawMqttConnection(socket) { LocalPort = ((IPEndPoint)socket.LocalEndPoint!).Port };
    }

    /// <summary>Opens a connection, sends CONNECT and asserts a successful CONNACK.</summary>
    public static async Task<RawMqttConnection> ConnectAsync(
        int port,
        int level,
        string clientId,
        bool clean = true,
        int keepAlive = 60,
        byte[][]? properties = null,
        string? willTopic = null,
        string? willPayload = null,
        int willQos = 0,
        bool willRetain = false,
        byte[][]? willProperties = null)
    {
        var connection = await OpenAsync(port);
        try
        {
            await connection.SendAsync(RawPackets.Connect(level, clientId, clean, keepAlive, properties, willTopic, willPayload, willQos, willRetain, willProperties));
            var connAck = await connection.ExpectAsync(RawPacket.ConnAck);
            Assert.True(connAck.ConnAckCode == 0, $"CONNACK code 0x{connAck.ConnAckCode:x2} for {clientId}");
            connection.LastConnAck = connAck;
            return connection;
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }

    public RawPacket? LastConnAck { get; private set; }

    public async Task SendAsync(byte[] bytes)
    {
        using var cts = new CancellationTokenSource(TestTimeouts.Default);
        await _socket.SendAsync(bytes, SocketFlags.None, cts.Token);
    }

    /// <summary>Sends and swallows the error when the broker already closed the socket (malformed-input tests race with it).</summary>
    public async Task TrySendAsync(byte[] bytes)
    {
        try
        {
            await SendAsync(bytes);
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException or OperationCanceledException)
        {
        }
    }

    /// <summary>The next packet; fails when the connection closes or nothing arrives in time.</summary>
    public async Task<RawPacket> ReceiveAsync(TimeSpan? timeout = null)
    {
        var packet = await ReceiveOrCloseAsync(timeout);
        return packet ?? throw new Xunit.Sdk.XunitException("the broker closed the connection while a packet was expected");
    }

    /// <summary>The next packet, or null when the broker closed the connection; fails on timeout.</summary>
    public async Task<RawPacket?> ReceiveOrCloseAsync(TimeSpan? timeout = null)
    {
        using var cts = new CancellationTokenSource(timeout ?? TestTimeouts.Default);
        try
        {
            return await _packets.Reader.ReadAsync(cts.Token);
        }
        catch (ChannelClosedException)
        {
            return null;
        }
        catch (OperationCanceledException)
        {
            throw new Xunit.Sdk.XunitException($"no packet from the broker within {timeout ?? TestTimeouts.Default}");
        }
    }

    /// <summary>The next packet, asserting its type.</summary>
    public async Task<RawPacket> ExpectAsync(int type, TimeSpan? timeout = null)
    {
        var packet = await ReceiveAsync(timeout);
        Assert.True(packet.Type == type, $"expected packet type {type}, got {packet}");
        return packet;
    }

    /// <summary>Skips packets of other types (e.g. PINGRESP) until one of the type arrives.</summary>
    public async Task<RawPacket> NextOfTypeAsync(int type, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TestTimeouts.Default);
        while (true)
        {
            var remaining = deadline - DateTime.UtcNow;
            if (remaining <= TimeSpan.Zero)
            {
                throw new Xunit.Sdk.XunitException($"no packet of type {type} in time");
            }
            var packet = await ReceiveAsync(remaining);
            if (packet.Type == type)
            {
                return packet;
            }
        }
    }

    /// <summary>Reads until the broker closes the connection; returns what it sent before closing. Fails if it stays open.</summary>
    public async Task<IReadOnlyList<RawPacket>> WaitForCloseAsync(TimeSpan? timeout = null)
    {
        var received = new List<RawPacket>();
        var deadline = DateTime.UtcNow + (timeout ?? TestTimeouts.Default);
        while (true)
        {
            var remaining = deadline - DateTime.UtcNow;
            if (remaining <= TimeSpan.Zero)
            {
                throw new Xunit.Sdk.XunitException($"the broker did not close the connection in time; received: {string.Join("; ", received)}");
            }
            RawPacket? packet;
            try
            {
                packet = await ReceiveOrCloseAsync(remaining);
            }
            catch (Xunit.Sdk.XunitException)
            {
                throw new Xunit.Sdk.XunitException($"the broker did not close the connection in time; received: {string.Join("; ", received)}");
            }
            if (packet is null)
            {
                return received;
            }
            received.Add(packet);
        }
    }

    /// <summary>Closes the socket without DISCONNECT (an abnormal loss of the connection for the broker).</summary>
    public void Drop()
    {
        try
        {
            _socket.LingerState = new LingerOption(true, 0);
            _socket.Close();
        }
        catch (ObjectDisposedException)
        {
        }
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            _socket.Shutdown(SocketShutdown.Both);
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
        }
        _socket.Dispose();
        await _readLoop.WaitAsync(TestTimeouts.Short).ContinueWith(static _ => { }, TaskScheduler.Default);
    }

    private async Task ReadLoopAsync()
    {
        var buffer = new byte[64 * 1024];
        var pending = new List<byte>();
        try
        {
            while (true)
            {
                var n = await _socket.ReceiveAsync(buffer, SocketFlags.None);
                if (n == 0)
                {
                    break;
                }
                pending.AddRange(buffer.AsSpan(0, n));
                while (TryFrame(pending, out var packet))
                {
                    _packets.Writer.TryWrite(packet);
                }
            }
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            // connection reset or closed locally: treated as closed
        }
        finally
        {
            _packets.Writer.TryComplete();
            _closed.TrySetResult();
        }
    }

    private static bool TryFrame(List<byte> pending, out RawPacket packet)
    {
        packet = null!;
        if (pending.Count < 2)
        {
            return false;
        }
        int length = 0, shift = 0, index = 1;
        while (true)
        {
            if (index >= pending.Count)
            {
                return false;
            }
            var b = pending[index++];
            length |= (b & 0x7F) << shift;
            shift += 7;
            if ((b & 0x80) == 0)
            {
                break;
            }
        }
        if (pending.Count < index + length)
        {
            return false;
        }
        packet = new RawPacket(pending[0], pending.GetRange(index, length).ToArray());
        pending.RemoveRange(0, index + length);
        return true;
    }
}
