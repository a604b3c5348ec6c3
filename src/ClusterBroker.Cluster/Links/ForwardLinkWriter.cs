using System.Net.Sockets;
using Akka.Actor;
using ClusterBroker.Cluster.Messages;
using ClusterBroker.Cluster.Serialization;
using ClusterBroker.Cluster.Sessions;
using ClusterBroker.Core.Connections;
using Microsoft.Extensions.Logging;

namespace ClusterBroker.Cluster.Links;

/// <summary>
/// The way into one destination's forward link, from any thread: the publisher's own thread writes its forward to the
/// socket at once when nobody else is writing (no hop to another thread), and whatever arrives while a write is on its
/// way goes out with the next one, as batches (<see cref="MaxMessages"/> / <see cref="MaxBytes"/> per frame). One lock
/// orders everything given to it, so each publisher's order holds on the wire. A forward given during a
/// <see cref="ReadTurn"/> (a publisher's PUBLISH packets of one socket read) waits for the turn's end, so that the
/// turn's forwards to this destination go out in one write.
/// </summary>
/// <remarks>
/// Its <see cref="Routing.ForwardSenderActor"/> opens the connection (<see cref="Attach"/>), opens it again when it
/// breaks, and switches the destination to Akka remoting for good when the link cannot be had
/// (<see cref="UseRemoting"/>: from then on everything given here is told to that actor, in order). While no connection
/// is attached, forwards wait here, up to <see cref="MaxHeldBytes"/>; beyond, they are dropped, counted and logged.
/// With durable sessions the QoS 1/2 forwards of the last moments are kept for a crash of the destination.
/// </remarks>
public sealed class ForwardLinkWriter : ITurnFlush
{
    public const int MaxMessages = 256;
    public const int MaxBytes = 60 * 1024;

    /// <summary>Forwards wait for a connection up to this many bytes (estimated); beyond, they are dropped.</summary>
    public const long MaxHeldBytes = 32L * 1024 * 1024;

    /// <summary>At most this many recent QoS 1/2 forwards are kept for a crash replay.</summary>
    public const int CrashReplayCapacity = 100_000;

    private readonly object _gate = new();
    private readonly string _destination;
    private readonly ClusterBrokerSerializer _serializer;
    private readonly ClusterMetrics _metrics;
    private readonly ILogger _logger;
    private readonly RecentForwards? _recent;
    private List<object> _pending = new();
    private long _pendingBytes;
    private Socket? _socket;
    private bool _writing;
    private bool _viaRemoting;
    private bool _closed;
    private IActorRef? _owner;
    private int _droppedWhileDown;
    private Action<ForwardedMessage>? _afterHandOver;

    /// <param name="viaRemoting">The destination has no forward link: everything goes to the owner, for Akka remoting.</param>
    /// <param name="crashReplayWindow">How long QoS 1/2 forwards are kept for a crash of the destination (durable sessions); zero keeps none.</param>
    public ForwardLinkWriter(string destination, ClusterBrokerSerializer serializer, ClusterMetrics metrics, ILogger logger, bool viaRemoting, TimeSpan crashReplayWindow)
    {
        _destination = destination;
        _serializer = serializer;
        _metrics = metrics;
        _logger = logger;
        _viaRemoting = viaRemoting;
        _recent = crashReplayWindow > TimeSpan.Zero ? new RecentForwards(crashReplayWindow, CrashReplayCapacity) : null;
    }

    private static long NowMs => Environment.TickCount64;

    /// <summary>
    /// Whether the destination is reached through Akka remoting (it has no link, or <see cref="UseRemoting"/>): the one
    /// record of it, which the owner reads to batch what it is told. It only ever turns from false to true.
    /// </summary>
    public bool ViaRemoting => Volatile.Read(ref _viaRemoting);

    /// <summary>What a forward weighs in a batch and in the wait for a connection (payload, topic, and a fixed part).</summary>
    public static int EstimatedBytes(ForwardedMessage forward) => forward.Message.Payload.Length + (forward.Message.Topic.Length * 2) + 64;

    /// <summary>Forwards <paramref name="forward"/> after everything given here before it.</summary>
    public void Forward(ForwardedMessage forward)
    {
        Socket? write = null;
        bool queued = false;
        bool inTurn = ReadTurn.IsOpen;
        Action<ForwardedMessage>? late;
        lock (_gate)
        {
            late = _afterHandOver;
            if (late is null && !_closed)
            {
                _recent?.Add(forward, NowMs);
                write = Enqueue(forward, EstimatedBytes(forward), claimWriter: !inTurn, out queued);
            }
        }

        late?.Invoke(forward);
        if (write is not null)
        {
            WriteLoop(write);
        }
        else if (inTurn && queued)
        {
            ReadTurn.Join(this);
        }
    }

    /// <summary>The read turn during which forwards were given here ended: what waits goes out, unless a write is on its way (it takes it).</summary>
    void ITurnFlush.FlushTurn()
    {
        Socket? write;
        lock (_gate)
        {
            write = _pending.Count > 0 ? TakeWriterRole() : null;
        }

        if (write is not null)
        {
            WriteLoop(write);
        }
    }

    /// <summary>A marker behind every forward given here before it (the owner's thread).</summary>
    public void Mark(ForwardMarker marker)
    {
        Socket? write;
        lock (_gate)
        {
            if (_closed)
            {
                return;
            }

            write = Enqueue(marker, 16, claimWriter: true, out _);
        }

        if (write is not null)
        {
            WriteLoop(write);
        }
    }

    /// <summary>
    /// Queues an item (under the lock); returns the socket the caller is to write on now (it became its writer), or null.
    /// With <paramref name="claimWriter"/> false the caller never becomes the writer (it flushes at its turn's end).
    /// <paramref name="queued"/> says whether the item waits here (not told to the owner, not dropped).
    /// </summary>
    private Socket? Enqueue(object item, long bytes, bool claimWriter, out bool queued)
    {
        queued = false;
        if (_viaRemoting && _owner is not null)
        {
            _owner.Tell(item, ActorRefs.NoSender);
            return null;
        }

        if (!_viaRemoting && _socket is null && item is ForwardedMessage && _pendingBytes + bytes > MaxHeldBytes)
        {
            if (_droppedWhileDown++ == 0)
            {
                _logger.LogWarning(
                    "Forward links: the link to {Destination} is not open and {Megabytes} MiB wait for it: messages forwarded there are dropped until it opens (counted in $SYS/broker/cluster/forward-links/dropped)",
                    _destination, MaxHeldBytes / (1024 * 1024));
            }

            _metrics.ForwardsDroppedOnLink(1);
            return null;
        }

        _pending.Add(item);
        _pendingBytes += bytes;
        queued = true;
        return claimWriter ? TakeWriterRole() : null;
    }

    /// <summary>
    /// Makes the caller the connection's one writer (under the lock) and returns the socket to write on; null when there
    /// is no connection, the destination uses remoting, or a write is on its way already (it takes what waits).
    /// </summary>
    private Socket? TakeWriterRole()
    {
        if (_viaRemoting || _socket is null || _writing)
        {
            return null;
        }

        _writing = true;
        return _socket;
    }

    /// <summary>
    /// The owner's connection is open: what waited goes out on it, then everything given here. Returns how many forwards
    /// were dropped while there was none.
    /// </summary>
    public int Attach(Socket socket)
    {
        bool write;
        int dropped;
        lock (_gate)
        {
            if (_closed)
            {
                socket.Dispose();
                return 0;
            }

            _socket = socket;
            dropped = _droppedWhileDown;
            _droppedWhileDown = 0;
            write = _pending.Count > 0 && !_writing;
            _writing |= write;
        }

        _ = WatchAsync(socket);
        if (write)
        {
            WriteLoop(socket);
        }

        return dropped;
    }

    /// <summary>The owner, told <see cref="Broken"/> and, once the destination uses Akka remoting, everything given here.</summary>
    public void Bind(IActorRef owner)
    {
        lock (_gate)
        {
            _owner = owner;
            if (_viaRemoting)
            {
                TellOwnerPending();
            }
        }
    }

    /// <summary>From now on, everything goes to the owner (Akka remoting), what waits here first, in order.</summary>
    public void UseRemoting()
    {
        lock (_gate)
        {
            Volatile.Write(ref _viaRemoting, true);
            TellOwnerPending();
        }
    }

    private void TellOwnerPending()
    {
        if (_owner is null)
        {
            return;
        }

        foreach (object item in _pending)
        {
            _owner.Tell(item, ActorRefs.NoSender);
        }

        _pending.Clear();
        _pendingBytes = 0;
    }

    /// <summary>
    /// The destination crashed: returns the QoS 1/2 forwards of the crash-replay window, oldest first, and how many the
    /// capacity pushed out; from then on, whatever is forwarded here goes to <paramref name="late"/> instead, on the
    /// forwarding thread. Both under the lock, so that no forward falls between them: a publishing thread that chose
    /// this destination just before its routes were orphaned, and got here only after the snapshot, would otherwise
    /// leave its message with a connection that no longer exists.
    /// </summary>
    public (List<ForwardedMessage> Recent, long Dropped) HandOverRecent(Action<ForwardedMessage> late)
    {
        lock (_gate)
        {
            _afterHandOver = late;
            return (_recent?.Snapshot(NowMs) ?? [], _recent?.Dropped ?? 0);
        }
    }

    /// <summary>The destination left: nothing more is written; what waits is dropped.</summary>
    public void Close()
    {
        Socket? socket;
        lock (_gate)
        {
            _closed = true;
            socket = _socket;
            _socket = null;
            _pending.Clear();
        }

        socket?.Dispose();
    }

    /// <summary>Writes what is pending on <paramref name="socket"/> until nothing is (the caller is the one writer of that socket).</summary>
    private void WriteLoop(Socket socket)
    {
        while (true)
        {
            List<object> items;
            lock (_gate)
            {
                if (_socket != socket)
                {
                    return; // broken and replaced meanwhile: the new connection has its own writer
                }

                if (_pending.Count == 0)
                {
                    _writing = false;
                    return;
                }

                items = _pending;
                _pending = new List<object>(); // not reused: a writer of a replaced connection may still hold the old one
                _pendingBytes = 0;
            }

            ReadOnlyMemory<byte> data;
            try
            {
                data = Frames(items);
            }
            catch (Exception ex)
            {
                // Never into the publisher's routing call, and never leave the link without its writer.
                _logger.LogError(ex, "Forward links: {Count} message(s) to {Destination} could not be serialized and were dropped", items.Count, _destination);
                _metrics.ForwardsDroppedOnLink(items.Count);
                continue;
            }

            if (!Send(socket, data))
            {
                return; // continued when the socket takes the rest
            }
        }
    }

    /// <summary>Consecutive forwards as batch frames (bounded), markers as frames of their own, written into one buffer.</summary>
    private ReadOnlyMemory<byte> Frames(List<object> items)
    {
        var stream = new MemoryStream();
        var batch = new List<ForwardedMessage>();
        int batchBytes = 0;
        foreach (object item in items)
        {
            if (item is ForwardedMessage forward)
            {
                batch.Add(forward);
                batchBytes += EstimatedBytes(forward);
                if (batch.Count >= MaxMessages || batchBytes >= MaxBytes)
                {
                    WriteBatch(stream, ref batch);
                    batchBytes = 0;
                }
            }
            else
            {
                WriteBatch(stream, ref batch);
                batchBytes = 0;
                _serializer.WriteFrame(stream, ForwardLinkProtocol.MarkerFrame, item);
            }
        }

        WriteBatch(stream, ref batch);
        return stream.GetBuffer().AsMemory(0, (int)stream.Length);
    }

    private void WriteBatch(MemoryStream stream, ref List<ForwardedMessage> batch)
    {
        if (batch.Count == 0)
        {
            return;
        }

        _serializer.WriteFrame(stream, ForwardLinkProtocol.BatchFrame, new ForwardBatch(batch));
        _metrics.ForwardBatchSent();
        batch = new List<ForwardedMessage>();
    }

    /// <summary>Sends <paramref name="data"/>; true when the socket took all of it at once, else the rest follows asynchronously.</summary>
    private bool Send(Socket socket, ReadOnlyMemory<byte> data)
    {
        ValueTask<int> sending;
        try
        {
            sending = socket.SendAsync(data, SocketFlags.None, CancellationToken.None);
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
        {
            Broken(socket, ex.Message);
            return false;
        }

        if (sending.IsCompletedSuccessfully && sending.Result == data.Length)
        {
            return true;
        }

        _ = FinishAsync(socket, sending, data);
        return false;
    }

    private async Task FinishAsync(Socket socket, ValueTask<int> sending, ReadOnlyMemory<byte> data)
    {
        try
        {
            ReadOnlyMemory<byte> rest = data[await sending.ConfigureAwait(false)..];
            while (rest.Length > 0)
            {
                rest = rest[await socket.SendAsync(rest, SocketFlags.None).ConfigureAwait(false)..];
            }
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
        {
            Broken(socket, ex.Message);
            return;
        }

        WriteLoop(socket);
    }

    /// <summary>The listener never writes after its answer: a read that ends means the link is gone.</summary>
    private async Task WatchAsync(Socket socket)
    {
        string reason;
        try
        {
            int read = await socket.ReceiveAsync(new byte[1], SocketFlags.None).ConfigureAwait(false);
            reason = read == 0 ? "closed by the other node" : "the other node wrote on a forward link";
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
        {
            reason = ex.Message;
        }

        Broken(socket, reason);
    }

    private void Broken(Socket socket, string reason)
    {
        IActorRef? owner;
        lock (_gate)
        {
            if (_socket != socket)
            {
                return; // replaced or closed already
            }

            _socket = null;
            _writing = false;
            owner = _owner;
        }

        socket.Dispose();
        owner?.Tell(new LinkBroken(socket, reason), ActorRefs.NoSender);
    }

    /// <summary>To the owner: the connection broke (what it had not delivered is lost); open another.</summary>
    public sealed record LinkBroken(Socket Socket, string Reason);
}
