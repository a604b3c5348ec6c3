using System.Net;
using System.Net.Sockets;
using ClusterBroker.Core.Connections;
using ClusterBroker.Protocol;
using ClusterBroker.Protocol.Codec;
using ClusterBroker.Protocol.Packets;
using ClusterBroker.Transport.Quotas;
using System.Diagnostics;
using DotNetty.Buffers;
using DotNetty.Common.Concurrency;
using DotNetty.Transport.Channels;
using Microsoft.Extensions.Logging;

namespace ClusterBroker.Transport.Internal;

/// <summary>
/// One accepted connection: the last handler of its pipeline and the <see cref="IClientConnection"/>
/// given to Core. Everything that touches the handler runs on the channel's event loop, which is the
/// connection's serial executor.
/// </summary>
/// <remarks>
/// Flushing: packets sent while a read batch or an <see cref="Execute"/>d action runs are encoded into one
/// <see cref="OutboundBatch"/> buffer, written and flushed once at its end (one system call for many
/// packets); a send from anywhere else schedules a single flush task on the event loop. A read batch is also a
/// <see cref="ReadTurn"/> of the event loop's thread: forwards to other nodes given while it is handled go out at its end,
/// one write per node.
/// </remarks>
internal sealed class MqttConnection : ChannelHandlerAdapter, IClientConnection
{
    private static readonly Action<object, object> s_run = static (c, a) => ((MqttConnection)c).Run((Action)a);
    private static readonly Action<object, object> s_write = static (c, p) => ((MqttConnection)c).Write((MqttPacket)p);
    private static readonly Action<object> s_flush = static c => ((MqttConnection)c).FlushScheduled();
    private static readonly Action<object> s_forceClose = static c => ((MqttConnection)c)._channel.CloseAsync();
    private static readonly Action<object> s_resumeReads = static c => ((MqttConnection)c).ResumeAfterQuotaPause();
    private static readonly IRunnable s_endTurn = new EndTurn();
    private static readonly Action s_queueEndTurn = QueueEndTurn;

    /// <summary>The event loop whose thread this is, noted when a read opens a turn on it (for <see cref="s_queueEndTurn"/>).</summary>
    [ThreadStatic]
    private static IEventLoop? t_readingLoop;

    private readonly ConnectionContext _shared;
    private readonly IChannel _channel;
    private readonly MqttFrameDecoder _decoder;
    private readonly OutboundBatch _outbound;
    private readonly ClientQuota? _quota;
    private readonly IQuotaMeter? _quotaMeter;

    private IChannelHandlerContext? _context;
    private IConnectionHandler? _handler;
    private string? _remoteEndPoint;
    private Exception? _error;
    private long _maximumOutgoingPacketSize = -1;
    private volatile ProtocolVersion _version = ProtocolVersion.V311;
    private int _closeRequested;
    private volatile bool _inactive;
    private bool _batching;
    private bool _needsFlush;
    private bool _flushScheduled;
    private bool _closedNotified;
    private bool _readsStopped;
    private bool _quotaPaused;
    private Queue<object>? _heldWhilePaused;
    private long _quotaResumeAt;

    // Links of the server's live-connection list (guarded by the ConnectionContext).
    internal MqttConnection? Previous;
    internal MqttConnection? Next;
    internal bool Registered;

    /// <param name="quota">The client's byte and publish allowances; null when its listener sets none (no cost per packet).</param>
    public MqttConnection(ConnectionContext shared, IChannel channel, MqttFrameDecoder decoder, ClientQuota? quota = null, IQuotaMeter? quotaMeter = null)
    {
        _shared = shared;
        _quota = quota;
        _quotaMeter = quotaMeter;
        _channel = channel;
        _decoder = decoder;
        _outbound = new OutboundBatch(shared.TrafficMeter);
    }

    public string RemoteEndPoint => _remoteEndPoint ??= ChannelAttributes.RemoteEndPointOf(_channel);

    public string? CertificateUsername => _channel.GetAttribute(ChannelAttributes.CertificateUsername).Get();

    public void SetProtocolVersion(ProtocolVersion version)
    {
        _version = version;
        if (_channel.EventLoop.InEventLoop)
            ApplyVersion();
        else
            _channel.EventLoop.Execute(static c => ((MqttConnection)c).ApplyVersion(), this);
    }

    public void SetMaximumOutgoingPacketSize(uint? maximumPacketSize) =>
        Interlocked.Exchange(ref _maximumOutgoingPacketSize, maximumPacketSize.HasValue ? maximumPacketSize.Value : -1);

    public bool Send(MqttPacket packet)
    {
        ArgumentNullException.ThrowIfNull(packet);
        if (Volatile.Read(ref _closeRequested) != 0 || _inactive)
            return false;

        long maximum = Interlocked.Read(ref _maximumOutgoingPacketSize);
        if (maximum >= 0 && MqttPacketEncoder.GetEncodedSize(packet, _version) > maximum)
            return false;

        if (packet is PublishPacket { QoS: QualityOfService.AtMostOnce } && !_channel.IsWritable)
        {
            // The client does not read fast enough: QoS 0 may be dropped (4.3.1), buffering it would not bound memory.
            Interlocked.Increment(ref _shared.DroppedQoS0Messages);
            return true;
        }

        if (_channel.EventLoop.InEventLoop)
            Write(packet);
        else if (!TryPost(s_write, packet))
            return false;
        return true;
    }

    public void Close()
    {
        if (Interlocked.Exchange(ref _closeRequested, 1) != 0)
            return;
        if (_channel.EventLoop.InEventLoop)
            CloseOnLoop();
        else
            TryPost(static (c, _) => ((MqttConnection)c).CloseOnLoop(), this);
    }

    public void CloseAfterDisconnect()
    {
        if (Interlocked.Exchange(ref _closeRequested, 1) != 0)
            return;
        if (_channel.EventLoop.InEventLoop)
            HalfCloseOnLoop();
        else
            TryPost(static (c, _) => ((MqttConnection)c).HalfCloseOnLoop(), this);
    }

    public void Execute(Action action)
    {
        ArgumentNullException.ThrowIfNull(action);
        TryPost(s_run, action);
    }

    public IDisposable Schedule(TimeSpan delay, Action action)
    {
        ArgumentNullException.ThrowIfNull(action);
        try
        {
            return new ScheduledAction(_channel.EventLoop.Schedule(s_run, this, action, delay < TimeSpan.Zero ? TimeSpan.Zero : delay));
        }
        catch (RejectedExecutionException)
        {
            // The server is stopped: the connection is gone, nothing will run.
            return ScheduledAction.None;
        }
    }

    /// <summary>Closes the socket without waiting for queued bytes (server shutdown); completes when closed.</summary>
    public Task CloseNowAsync()
    {
        // A connection already closing (for example after DISCONNECT 0x8B) drains what it queued first.
        if (Interlocked.Exchange(ref _closeRequested, 1) != 0)
            return _channel.CloseCompletion;
        return _channel.CloseAsync();
    }

    // ---- pipeline events (event loop) ----

    public override void ChannelActive(IChannelHandlerContext context)
    {
        _context = context;
        _shared.Register(this);
        IConnectionHandler? handler = null;
        try
        {
            handler = _shared.Handlers.Create(this);
        }
        catch (Exception ex)
        {
            _shared.Logger.LogError(ex, "Creating the handler of the connection from {RemoteEndPoint} failed", RemoteEndPoint);
        }
        if (handler is null)
        {
            Interlocked.Exchange(ref _closeRequested, 1);
            context.Channel.Configuration.AutoRead = false;
            context.CloseAsync();
            return;
        }
        _handler = handler;
    }

    public override void ChannelRead(IChannelHandlerContext context, object message)
    {
        IConnectionHandler? handler = _handler;
        if (handler is null || Volatile.Read(ref _closeRequested) != 0 || _closedNotified)
            return;
        if (_quotaPaused)
        {
            // The rest of a read batch that arrived before the pause: handled when the pause ends, so the client's
            // rate is bounded by its allowance, not by the size of a socket read.
            (_heldWhilePaused ??= new Queue<object>()).Enqueue(message);
            return;
        }
        _batching = true;
        // Ended by ChannelReadComplete; if a forward joins it, a task queued behind the read ends it too should that never come.
        if (ReadTurn.Begin(s_queueEndTurn))
            t_readingLoop = _channel.EventLoop;

        Handle(handler, message);
    }

    private void Handle(IConnectionHandler handler, object message)
    {
        try
        {
            switch (message)
            {
                case MqttPacket packet:
                    handler.OnPacket(packet);
                    if (_quota is not null && packet is PublishPacket)
                        ApplyQuota(_quota.ChargePublish(Stopwatch.GetTimestamp()));
                    break;
                case ProtocolViolation violation:
                    _readsStopped = true;
                    handler.OnProtocolViolation(violation);
                    break;
            }
        }
        catch (Exception ex)
        {
            HandlerFailed(ex);
        }
    }

    public override void ChannelReadComplete(IChannelHandlerContext context)
    {
        _batching = false;
        ReadTurn.End();
        FlushIfNeeded();
    }

    private static void QueueEndTurn()
    {
        try
        {
            t_readingLoop?.Execute(s_endTurn);
        }
        catch (RejectedExecutionException)
        {
            // The loop is shutting down: the read's own completion ends the turn, if anything does; the forward that
            // asked is queued with its writer already, and the publish must not fail for the backstop.
        }
    }

    /// <summary>Ends the event loop thread's read turn, if one is still open (queued behind each read that opened one).</summary>
    private sealed class EndTurn : IRunnable
    {
        public void Run() => ReadTurn.End();
    }

    /// <summary>
    /// Back-pressure: while more than the high-water mark waits to be written to this client, its input
    /// is not read (it cannot make the broker queue unbounded acknowledgements); reading resumes when
    /// the queue drains, unless the connection is closing or failed.
    /// </summary>
    public override void ChannelWritabilityChanged(IChannelHandlerContext context)
    {
        UpdateAutoRead();
        context.FireChannelWritabilityChanged();
    }

    /// <summary>Charges bytes read from the client to its allowance (<see cref="Quotas.InboundByteCounter"/>; event loop).</summary>
    internal void ChargeInboundBytes(int count)
    {
        if (_quota is not null && Volatile.Read(ref _closeRequested) == 0)
            ApplyQuota(_quota.ChargeBytes(count, Stopwatch.GetTimestamp()));
    }

    /// <summary>
    /// Back-pressure for a client over its quota: its reads pause (what was already read is still handled) until its
    /// allowance is paid back; a 5.0 client that stayed over the limit too long is disconnected by its handler.
    /// </summary>
    private void ApplyQuota(QuotaVerdict verdict)
    {
        if (verdict.PauseTicks == 0)
            return;
        if (verdict.Disconnect is { } reasonCode && _version == ProtocolVersion.V500 && _handler is { } handler)
        {
            handler.OnQuotaExceeded(reasonCode, verdict.Rule!, $"The client kept sending above {verdict.Rule}.");
            return;
        }
        long resumeAt = Stopwatch.GetTimestamp() + verdict.PauseTicks;
        if (resumeAt > _quotaResumeAt)
            _quotaResumeAt = resumeAt;
        if (_quotaPaused)
            return;
        _quotaPaused = true;
        _quotaMeter?.Count(verdict.Event);
        UpdateAutoRead();
        _channel.EventLoop.Schedule(s_resumeReads, this, Stopwatch.GetElapsedTime(0, verdict.PauseTicks));
    }

    private void ResumeAfterQuotaPause()
    {
        long remaining = _quotaResumeAt - Stopwatch.GetTimestamp();
        if (remaining > 0)
        {
            // More was charged while paused (the rest of a read batch): the pause goes on until it is paid back too.
            _channel.EventLoop.Schedule(s_resumeReads, this, Stopwatch.GetElapsedTime(0, remaining));
            return;
        }
        _quotaPaused = false;
        if (_heldWhilePaused is { Count: > 0 } held && _handler is { } handler)
        {
            _batching = true;
            try
            {
                while (held.Count > 0 && !_quotaPaused && Volatile.Read(ref _closeRequested) == 0 && !_closedNotified)
                    Handle(handler, held.Dequeue());
            }
            finally
            {
                _batching = false;
                FlushIfNeeded();
            }
        }
        UpdateAutoRead();
    }

    /// <summary>Reads run while the client's output drains and it is within its quota, unless the connection is closing or failed.</summary>
    private void UpdateAutoRead()
    {
        if (!_readsStopped && Volatile.Read(ref _closeRequested) == 0 && !_inactive)
            _channel.Configuration.AutoRead = _channel.IsWritable && !_quotaPaused;
    }

    public override void ChannelInactive(IChannelHandlerContext context)
    {
        _inactive = true;
        _heldWhilePaused = null;
        _outbound.Release();
        _shared.Unregister(this);
        if (_handler is null || _closedNotified)
            return;
        _closedNotified = true;
        Exception? error = _error;
        if (error is null && _decoder.HasPartialFrame && Volatile.Read(ref _closeRequested) == 0)
            error = new EndOfStreamException("The connection closed in the middle of a packet.");
        try
        {
            _handler.OnConnectionClosed(error);
        }
        catch (Exception ex)
        {
            _shared.Logger.LogError(ex, "The handler of {RemoteEndPoint} failed on close", RemoteEndPoint);
        }
    }

    public override void ExceptionCaught(IChannelHandlerContext context, Exception exception)
    {
        _error ??= exception;
        if (exception is SocketException or ObjectDisposedException or IOException)
            _shared.Logger.LogDebug("Connection {RemoteEndPoint}: {Error}", RemoteEndPoint, exception.Message);
        else
            _shared.Logger.LogWarning(exception, "Connection {RemoteEndPoint} failed", RemoteEndPoint);
        context.CloseAsync();
    }

    // ---- internals (event loop) ----

    private void Run(Action action)
    {
        _batching = true;
        try
        {
            action();
        }
        catch (Exception ex)
        {
            HandlerFailed(ex);
        }
        finally
        {
            _batching = false;
            FlushIfNeeded();
        }
    }

    private void Write(MqttPacket packet)
    {
        if (_inactive || _context is null)
            return;
        try
        {
            CheckWritten(_outbound.Append(_context, packet, _version));
        }
        catch (Exception ex)
        {
            _shared.Logger.LogError(ex, "Encoding {PacketType} for {RemoteEndPoint} failed; the packet was not sent", packet.Type, RemoteEndPoint);
        }
        _needsFlush = true;
        if (!_batching && !_flushScheduled)
        {
            _flushScheduled = true;
            _channel.EventLoop.Execute(s_flush, this);
        }
    }

    private void FlushScheduled()
    {
        _flushScheduled = false;
        FlushIfNeeded();
    }

    private void FlushIfNeeded()
    {
        if (!_needsFlush)
            return;
        _needsFlush = false;
        if (_context is null)
            return;
        CheckWritten(_outbound.WriteTo(_context));
        _context.Flush();
    }

    private void CheckWritten(Task? written)
    {
        if (written is { IsFaulted: true } && written.Exception!.GetBaseException() is not ClosedChannelException)
            _shared.Logger.LogError(written.Exception!.GetBaseException(), "Writing to {RemoteEndPoint} failed", RemoteEndPoint);
    }

    private void ApplyVersion() => _decoder.ProtocolVersion = _version;

    private void CloseOnLoop()
    {
        _channel.Configuration.AutoRead = false;
        if (_inactive || _context is null)
        {
            _channel.CloseAsync();
            return;
        }
        // Everything queued goes out first; a client that stops reading is cut off after the timeout.
        CheckWritten(_outbound.WriteTo(_context));
        _context.WriteAndFlushAsync(Unpooled.Empty).ContinueWith(
            static (_, c) => ((MqttConnection)c!)._channel.CloseAsync(), this, TaskContinuationOptions.ExecuteSynchronously);
        _needsFlush = false;
        _channel.EventLoop.Schedule(s_forceClose, this, _shared.CloseTimeout);
    }

    /// <summary>
    /// Flushes, shuts the output down (the client reads the queued packets, then end of stream) and keeps reading,
    /// discarding every byte, until the client closes its side (DotNetty then closes the channel) or the linger ends.
    /// </summary>
    private void HalfCloseOnLoop()
    {
        if (_inactive || _context is null)
        {
            CloseOnLoop();
            return;
        }
        _decoder.Discard();
        _readsStopped = true;
        _channel.Configuration.AutoRead = true;
        CheckWritten(_outbound.WriteTo(_context));
        _context.WriteAndFlushAsync(Unpooled.Empty).ContinueWith(
            static (written, c) =>
            {
                var connection = (MqttConnection)c!;
                if (written.IsCompletedSuccessfully && !connection._inactive)
                    SocketHalfClose.TryShutdownOutput(connection._channel);
            },
            this,
            TaskContinuationOptions.ExecuteSynchronously);
        _needsFlush = false;
        _channel.EventLoop.Schedule(s_forceClose, this, _shared.DisconnectLinger);
    }

    private void HandlerFailed(Exception ex)
    {
        _shared.Logger.LogError(ex, "The connection handler of {RemoteEndPoint} failed; closing the connection", RemoteEndPoint);
        _error ??= ex;
        Close();
    }

    /// <summary>Queues work on the event loop; false when the loop was shut down with the server.</summary>
    private bool TryPost(Action<object, object> action, object state)
    {
        try
        {
            _channel.EventLoop.Execute(action, this, state);
            return true;
        }
        catch (RejectedExecutionException)
        {
            return false;
        }
    }

    private sealed class ScheduledAction(IScheduledTask? task) : IDisposable
    {
        public static readonly ScheduledAction None = new(null);

        public void Dispose() => task?.Cancel();
    }
}
