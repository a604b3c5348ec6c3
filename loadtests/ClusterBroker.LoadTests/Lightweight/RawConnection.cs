using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace ClusterBroker.LoadTests.Lightweight;

/// <summary>
/// A connection held open at the cost of one socket: CONNECT written, CONNACK read, then nothing but a
/// PINGREQ per keep-alive period. No receive is left pending: responses are drained when pinging.
/// </summary>
public sealed class RawConnection : IDisposable
{
    private readonly Socket _socket;
    private readonly byte[] _drain = new byte[64];

    private RawConnection(Socket socket, long keepAliveTicks)
    {
        _socket = socket;
        KeepAliveTicks = keepAliveTicks;
        NextPingTimestamp = Stopwatch.GetTimestamp() + keepAliveTicks;
    }

    public long KeepAliveTicks { get; }

    public long NextPingTimestamp { get; private set; }

    public long PingResponses { get; private set; }

    public static async Task<RawConnectResult> OpenAsync(
        IPEndPoint broker, IPAddress? source, byte[] connectPacket, int keepAliveSeconds, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        var started = Stopwatch.GetTimestamp();
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        try
        {
            if (source is not null)
            {
                socket.Bind(new IPEndPoint(source, 0));
            }

            await socket.ConnectAsync(broker, deadline.Token);
            await socket.SendAsync(connectPacket, SocketFlags.None, deadline.Token);

            var buffer = new byte[32];
            var filled = 0;
            while (true)
            {
                var read = await socket.ReceiveAsync(buffer.AsMemory(filled), SocketFlags.None, deadline.Token);
                if (read == 0)
                {
                    return Fail(socket, ConnectFailure.ClosedByBroker, started);
                }

                filled += read;
                var consumed = ConnAck.TryParse(buffer.AsSpan(0, filled), out var code);
                if (consumed < 0 || (consumed == 0 && filled == buffer.Length))
                {
                    return Fail(socket, ConnectFailure.Other, started);
                }

                if (consumed > 0)
                {
                    if (code != 0)
                    {
                        return Fail(socket, ConnectFailure.Rejected, started, code);
                    }

                    // Ping at three quarters of the keep-alive, so the keep-alive tick (500 ms) never pushes it past the limit.
                    var keepAliveTicks = keepAliveSeconds > 0 ? keepAliveSeconds * Stopwatch.Frequency * 3 / 4 : long.MaxValue / 4;
                    return new RawConnectResult(new RawConnection(socket, keepAliveTicks), ConnectFailure.None, 0, Stopwatch.GetTimestamp() - started);
                }
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return Fail(socket, ConnectFailure.Timeout, started);
        }
        catch (SocketException e)
        {
            return Fail(socket, Classify(e), started);
        }
        catch (Exception)
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>Sends a PINGREQ if one is due and drains what the broker sent; false once the broker has closed.</summary>
    public bool KeepAlive(long now)
    {
        try
        {
            if (!Drain())
            {
                return false;
            }

            if (now >= NextPingTimestamp)
            {
                _socket.Send(ControlPackets.PingRequest);
                NextPingTimestamp = now + KeepAliveTicks;
            }

            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    /// <summary>Reads whatever the broker sent (PINGRESPs are counted); false once the broker has closed.</summary>
    public bool Drain()
    {
        try
        {
            if (_socket.Poll(0, SelectMode.SelectRead))
            {
                if (_socket.Available == 0)
                {
                    return false;
                }

                while (_socket.Available > 0)
                {
                    var read = _socket.Receive(_drain);
                    for (var i = 0; i < read; i++)
                    {
                        if (_drain[i] == 0xD0)
                        {
                            PingResponses++;
                        }
                        else if (_drain[i] == 0xE0)
                        {
                            return false;
                        }
                    }
                }
            }

            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    public void Dispose()
    {
        try
        {
            _socket.Send(ControlPackets.Disconnect);
            _socket.Shutdown(SocketShutdown.Both);
        }
        catch (SocketException)
        {
            // already closed by the broker
        }
        catch (ObjectDisposedException)
        {
            // disposed twice
        }

        _socket.Dispose();
    }

    private static RawConnectResult Fail(Socket socket, ConnectFailure failure, long started, byte code = 0xFF)
    {
        socket.Dispose();
        return new RawConnectResult(null, failure, code, Stopwatch.GetTimestamp() - started);
    }

    private static ConnectFailure Classify(SocketException e) => e.SocketErrorCode switch
    {
        SocketError.ConnectionRefused => ConnectFailure.Refused,
        SocketError.TimedOut => ConnectFailure.Timeout,
        SocketError.AddressAlreadyInUse or SocketError.AddressNotAvailable => ConnectFailure.AddressInUse,
        SocketError.ConnectionReset or SocketError.Shutdown => ConnectFailure.ClosedByBroker,
        SocketError.TooManyOpenSockets => ConnectFailure.TooManyOpenFiles,
        _ => ConnectFailure.Other,
    };
}
