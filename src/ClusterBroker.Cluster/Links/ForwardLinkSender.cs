using System.Net.Sockets;
using System.Text;
using Akka.Actor;

namespace ClusterBroker.Cluster.Links;

/// <summary>
/// The sending end of one open forward link, used by its <see cref="Routing.ForwardSenderActor"/> alone (one thread at a
/// time). A frame is written at once from the actor's thread when the socket takes it, which is nearly always: no
/// thread hop between the publisher's routing and the wire. While a write is pending, later frames wait and go out
/// together, in order, when it completes.
/// </summary>
public sealed class ForwardLinkSender : IDisposable
{
    private readonly Socket _socket;
    private readonly IActorRef _owner;
    private readonly List<byte[]> _waiting = new();
    private bool _writing;
    private bool _broken;

    private ForwardLinkSender(Socket socket, IActorRef owner, string destination)
    {
        _socket = socket;
        _owner = owner;
        Destination = destination;
    }

    public string Destination { get; }

    /// <summary>
    /// Connects to <paramref name="host"/>:<paramref name="port"/> and says hello; throws
    /// <see cref="ForwardLinkRefusedException"/> with the listener's reason when it refuses, <see cref="IOException"/> when
    /// nothing answers within <paramref name="timeout"/>, <see cref="SocketException"/> when the connection fails.
    /// </summary>
    /// <param name="owner">The actor told <see cref="Writable"/> and <see cref="Broken"/> about this link.</param>
    public static async Task<ForwardLinkSender> ConnectAsync(
        string host, int port, ForwardLinkProtocol.Hello hello, IActorRef owner, TimeSpan timeout, CancellationToken cancel = default)
    {
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancel);
        deadline.CancelAfter(timeout);
        try
        {
            await socket.ConnectAsync(host, port, deadline.Token).ConfigureAwait(false);
            await socket.SendAsync(ForwardLinkProtocol.WriteHello(hello), SocketFlags.None, deadline.Token).ConfigureAwait(false);
            byte[] answer = new byte[1];
            if (await socket.ReceiveAsync(answer, SocketFlags.None, deadline.Token).ConfigureAwait(false) == 0)
            {
                throw new ForwardLinkRefusedException("the listener closed the connection without answering");
            }

            if (answer[0] != ForwardLinkProtocol.Accepted)
            {
                throw new ForwardLinkRefusedException("refused: " + await ReadReasonAsync(socket, deadline.Token).ConfigureAwait(false));
            }

            var link = new ForwardLinkSender(socket, owner, $"{host}:{port}");
            _ = link.WatchForCloseAsync();
            return link;
        }
        catch (OperationCanceledException) when (!cancel.IsCancellationRequested)
        {
            socket.Dispose();
            throw new IOException($"no answer within {timeout.TotalSeconds:0.#} s");
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    private static async Task<string> ReadReasonAsync(Socket socket, CancellationToken cancel)
    {
        byte[] buffer = new byte[1024];
        int filled = 0;
        int n;
        while (filled < buffer.Length && (n = await socket.ReceiveAsync(buffer.AsMemory(filled), SocketFlags.None, cancel).ConfigureAwait(false)) > 0)
        {
            filled += n;
        }

        try
        {
            using var r = new BinaryReader(new MemoryStream(buffer, 0, filled), Encoding.UTF8);
            return r.ReadString();
        }
        catch (EndOfStreamException)
        {
            return "(no reason given)";
        }
    }

    /// <summary>Writes <paramref name="frame"/> after everything written before it.</summary>
    public void Send(byte[] frame)
    {
        if (_broken)
        {
            return;
        }

        if (_writing)
        {
            _waiting.Add(frame);
            return;
        }

        Write(frame);
    }

    /// <summary>The owner got <see cref="Writable"/>: the pending write finished; what waited goes out as one write.</summary>
    public void OnWritable()
    {
        _writing = false;
        if (_waiting.Count == 0 || _broken)
        {
            return;
        }

        byte[] all;
        if (_waiting.Count == 1)
        {
            all = _waiting[0];
        }
        else
        {
            all = new byte[_waiting.Sum(static f => f.Length)];
            int offset = 0;
            foreach (byte[] frame in _waiting)
            {
                frame.CopyTo(all, offset);
                offset += frame.Length;
            }
        }

        _waiting.Clear();
        Write(all);
    }

    private void Write(byte[] data)
    {
        ValueTask<int> sending;
        try
        {
            sending = _socket.SendAsync((ReadOnlyMemory<byte>)data, SocketFlags.None, CancellationToken.None);
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
        {
            Break(ex.Message);
            return;
        }

        _writing = true;
        if (sending.IsCompletedSuccessfully)
        {
            int sent = sending.Result;
            if (sent == data.Length)
            {
                _writing = false;
                return;
            }

            _ = WriteRestAsync(data.AsMemory(sent));
            return;
        }

        _ = CompleteAsync(sending, data);
    }

    private async Task CompleteAsync(ValueTask<int> sending, byte[] data)
    {
        try
        {
            int sent = await sending.ConfigureAwait(false);
            await WriteRestAsync(data.AsMemory(sent), tellWritable: false).ConfigureAwait(false);
            _owner.Tell(new Writable(this), ActorRefs.NoSender);
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
        {
            _owner.Tell(new Broken(this, ex.Message), ActorRefs.NoSender);
        }
    }

    private async Task WriteRestAsync(ReadOnlyMemory<byte> rest, bool tellWritable = true)
    {
        try
        {
            while (rest.Length > 0)
            {
                int sent = await _socket.SendAsync(rest, SocketFlags.None).ConfigureAwait(false);
                rest = rest[sent..];
            }

            if (tellWritable)
            {
                _owner.Tell(new Writable(this), ActorRefs.NoSender);
            }
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
        {
            if (!tellWritable)
            {
                throw;
            }

            _owner.Tell(new Broken(this, ex.Message), ActorRefs.NoSender);
        }
    }

    /// <summary>The listener never writes after its answer: a read that ends means the link is gone.</summary>
    private async Task WatchForCloseAsync()
    {
        byte[] one = new byte[1];
        string reason;
        try
        {
            int read = await _socket.ReceiveAsync(one, SocketFlags.None).ConfigureAwait(false);
            reason = read == 0 ? "closed by the other node" : "the other node wrote on a forward link";
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
        {
            reason = ex.Message;
        }

        _owner.Tell(new Broken(this, reason), ActorRefs.NoSender);
    }

    private void Break(string reason)
    {
        _broken = true;
        _owner.Tell(new Broken(this, reason), ActorRefs.NoSender);
    }

    public void Dispose()
    {
        _broken = true;
        _waiting.Clear();
        _socket.Dispose();
    }

    /// <summary>The other node's listener answered, but not with a link (its reason in the message): the port is reachable.</summary>
    public sealed class ForwardLinkRefusedException(string message) : IOException(message);

    /// <summary>To the owner: the pending write of <see cref="Link"/> finished; call <see cref="OnWritable"/>.</summary>
    public sealed record Writable(ForwardLinkSender Link);

    /// <summary>To the owner: <see cref="Link"/> is gone (what it had not delivered is lost); open another.</summary>
    public sealed record Broken(ForwardLinkSender Link, string Reason);
}
