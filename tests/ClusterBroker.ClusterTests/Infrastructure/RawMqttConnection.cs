using System.Net.Sockets;
using System.Text;

namespace ClusterBroker.ClusterTests.Infrastructure;

/// <summary>
/// A bare MQTT 3.1.1 / 5.0 connection on a socket, for what a client library hides: whether the
/// broker has already closed this connection (or sent it something) at a given moment, and the
/// exact packets it sent before closing.
/// </summary>
public sealed class RawMqttConnection : IAsyncDisposable
{
    private readonly TcpClient _tcp;
    private NetworkStream? _stream;
    private readonly int _version;

    private RawMqttConnection(TcpClient tcp, int version)
    {
        _tcp = tcp;
        _version = version;
    }

    public bool SessionPresent { get; private set; }

    private NetworkStream Stream => _stream ?? throw new InvalidOperationException("not connected");

    /// <summary>
    /// Connects (<paramref name="version"/> 4 = 3.1.1, 5 = 5.0) and reads a successful CONNACK. Not clean:
    /// 3.1.1 Clean Session 0; 5.0 Clean Start 0 with Session Expiry <paramref name="sessionExpiry"/>.
    /// </summary>
    public static async Task<RawMqttConnection> ConnectAsync(ClusterNode node, int version, string clientId, bool clean, uint sessionExpiry = 0)
    {
        var tcp = new TcpClient { NoDelay = true };
        var connection = new RawMqttConnection(tcp, version);
        try
        {
            using var cts = new CancellationTokenSource(Timeouts.Mqtt);
            await tcp.ConnectAsync("127.0.0.1", node.MqttPort, cts.Token);
            connection._stream = tcp.GetStream();
            var body = new List<byte>();
            AddString(body, "MQTT");
            body.Add((byte)version);
            body.Add(clean ? (byte)0x02 : (byte)0x00);
            body.AddRange([0, 60]); // keep alive 60 s
            if (version == 5)
            {
                if (sessionExpiry > 0)
                {
                    body.AddRange([5, 0x11, (byte)(sessionExpiry >> 24), (byte)(sessionExpiry >> 16), (byte)(sessionExpiry >> 8), (byte)sessionExpiry]);
                }
                else
                {
                    body.Add(0);
                }
            }
            AddString(body, clientId);
            await connection.SendAsync(0x10, body);
            RawPacket connAck = await connection.ReadPacketAsync(Timeouts.Mqtt)
                ?? throw new Xunit.Sdk.XunitException($"{node.Name} closed the connection of {clientId} instead of sending CONNACK");
            if (connAck.Type != RawPacket.ConnAck || connAck.Body.Length < 2 || connAck.Body[1] != 0)
            {
                throw new Xunit.Sdk.XunitException($"{clientId} on {node.Name}: expected a successful CONNACK, got {connAck} [{Convert.ToHexString(connAck.Body)}]");
            }
            connection.SessionPresent = (connAck.Body[0] & 1) == 1;
            return connection;
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }

    /// <summary>Subscribes to one filter and fails unless the SUBACK grants it.</summary>
    public async Task SubscribeAsync(string filter, int qos)
    {
        var body = new List<byte> { 0, 1 }; // packet identifier 1
        if (_version == 5)
        {
            body.Add(0); // no properties
        }
        AddString(body, filter);
        body.Add((byte)qos);
        await SendAsync(0x82, body);
        RawPacket subAck = await ReadPacketAsync(Timeouts.Mqtt) ?? throw new Xunit.Sdk.XunitException($"connection closed instead of SUBACK for {filter}");
        int granted = subAck.Body[^1];
        if (subAck.Type != RawPacket.SubAck || granted > 2)
        {
            throw new Xunit.Sdk.XunitException($"SUBSCRIBE {filter}: expected a SUBACK granting it, got {subAck} [{Convert.ToHexString(subAck.Body)}]");
        }
    }

    /// <summary>True when the broker has sent something or closed the connection (data or end of stream waits in the socket).</summary>
    public bool HasInputOrIsClosed => _tcp.Client.Poll(0, SelectMode.SelectRead);

    /// <summary>The next packet, or null when the broker closed the connection.</summary>
    public async Task<RawPacket?> ReadPacketAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            var header = new byte[1];
            if (await Stream.ReadAsync(header, cts.Token) == 0)
            {
                return null;
            }
            int length = 0;
            for (int shift = 0; ; shift += 7)
            {
                var digit = new byte[1];
                await Stream.ReadExactlyAsync(digit, cts.Token);
                length |= (digit[0] & 0x7F) << shift;
                if ((digit[0] & 0x80) == 0)
                {
                    break;
                }
            }
            var body = new byte[length];
            await Stream.ReadExactlyAsync(body, cts.Token);
            return new RawPacket(header[0], body);
        }
        catch (OperationCanceledException)
        {
            throw new Xunit.Sdk.XunitException($"no packet and no close within {timeout.TotalSeconds:0} s");
        }
        catch (Exception e) when (e is IOException or EndOfStreamException or SocketException)
        {
            return null; // reset or closed mid-packet: the connection is closed
        }
    }

    /// <summary>Reads until the broker closes the connection and returns what it sent before.</summary>
    public async Task<IReadOnlyList<RawPacket>> ReadUntilClosedAsync(TimeSpan? timeout = null)
    {
        var packets = new List<RawPacket>();
        DateTime deadline = DateTime.UtcNow + (timeout ?? Timeouts.Mqtt);
        while (true)
        {
            TimeSpan remaining = deadline - DateTime.UtcNow;
            if (remaining <= TimeSpan.Zero)
            {
                throw new Xunit.Sdk.XunitException($"the connection stayed open; received so far: {string.Join(", ", packets)}");
            }
            RawPacket? packet = await ReadPacketAsync(remaining);
            if (packet is null)
            {
                return packets;
            }
            packets.Add(packet);
        }
    }

    public ValueTask DisposeAsync()
    {
        _tcp.Dispose();
        return ValueTask.CompletedTask;
    }

    private async Task SendAsync(byte header, List<byte> body)
    {
        var packet = new List<byte> { header };
        int remaining = body.Count;
        do
        {
            byte digit = (byte)(remaining & 0x7F);
            remaining >>= 7;
            packet.Add(remaining > 0 ? (byte)(digit | 0x80) : digit);
        }
        while (remaining > 0);
        packet.AddRange(body);
        using var cts = new CancellationTokenSource(Timeouts.Mqtt);
        await Stream.WriteAsync(packet.ToArray(), cts.Token);
    }

    private static void AddString(List<byte> body, string text)
    {
        byte[] bytes = Encoding.UTF8.GetBytes(text);
        body.Add((byte)(bytes.Length >> 8));
        body.Add((byte)bytes.Length);
        body.AddRange(bytes);
    }
}
