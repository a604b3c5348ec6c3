using System.Net;
using ClusterBroker.Transport.Internal;
using DotNetty.Buffers;
using DotNetty.Common.Concurrency;
using DotNetty.Transport.Channels;
using Microsoft.Extensions.Logging;

namespace ClusterBroker.Transport.Proxy;

/// <summary>
/// First handler of a listener that sits behind a load balancer speaking the PROXY protocol: holds the connection
/// back (no ChannelActive for the handlers behind it, so no TLS handshake and no MQTT handler yet) until the header
/// has arrived, records the client address it names (<see cref="ChannelAttributes.ClientAddress"/>: used for logs,
/// bans and the ACL's subject), then passes on the bytes after the header and leaves the pipeline.
/// A connection whose first bytes are not a valid header, or whose header does not arrive within
/// <see cref="s_headerTimeout"/>, is closed with one log line: a listener that expects PROXY never serves a client
/// that bypassed the balancer.
/// </summary>
internal sealed class ProxyProtocolHandler : ChannelHandlerAdapter
{
    // A balancer sends the header with the connection; only a client that bypassed it (or a stalled one) waits.
    private static readonly TimeSpan s_headerTimeout = TimeSpan.FromSeconds(10);

    // Version 2 carries at most 16 + 65535 bytes; we keep what arrived until the header is complete.
    private const int MaximumHeaderLength = 16 + ushort.MaxValue;

    private readonly ILogger _logger;
    private readonly string _setting;
    private byte[] _received = new byte[256];
    private int _length;
    private bool _done;
    private bool _refused;
    private IScheduledTask? _timeout;

    /// <param name="setting">The setting that asks for PROXY on this listener, named in the log line of a refusal.</param>
    public ProxyProtocolHandler(ILogger logger, string setting)
    {
        _logger = logger;
        _setting = setting;
    }

    public override void ChannelActive(IChannelHandlerContext context)
    {
        // Not fired on until the header is read: the handlers behind see the connection start with the client's address.
        _timeout = context.Executor.Schedule(
            static (c, h) => ((ProxyProtocolHandler)h).TimedOut((IChannelHandlerContext)c), context, this, s_headerTimeout);
    }

    public override void ChannelRead(IChannelHandlerContext context, object message)
    {
        if (_refused)
        {
            ReferenceCountUtilRelease(message);
            return;
        }
        if (_done || message is not IByteBuffer buffer)
        {
            context.FireChannelRead(message);
            return;
        }
        try
        {
            Append(buffer);
        }
        finally
        {
            buffer.Release();
        }

        ProxyHeaderResult result = ProxyHeaderParser.Parse(_received.AsSpan(0, _length));
        switch (result.Status)
        {
            case ProxyHeaderStatus.NeedMore when _length < MaximumHeaderLength:
                return;
            case ProxyHeaderStatus.NeedMore:
                Refuse(context, "PROXY header too long");
                return;
            case ProxyHeaderStatus.Invalid:
                Refuse(context, result.Error!);
                return;
        }

        _done = true;
        _timeout?.Cancel();
        if (result.Source is { } source)
            context.Channel.GetAttribute(ChannelAttributes.ClientAddress).Set(ChannelAttributes.Format(source));
        int rest = _length - result.Consumed;
        byte[] remaining = rest > 0 ? _received.AsSpan(result.Consumed, rest).ToArray() : [];
        _received = [];
        context.FireChannelActive();
        if (remaining.Length > 0 && context.Channel.Active)
        {
            context.FireChannelRead(Unpooled.WrappedBuffer(remaining));
            context.FireChannelReadComplete();
        }
        context.Channel.Pipeline.Remove(this);
    }

    public override void ChannelReadComplete(IChannelHandlerContext context)
    {
        if (_done)
            context.FireChannelReadComplete();
    }

    public override void ChannelInactive(IChannelHandlerContext context)
    {
        // Still here: the header never completed, so the handlers behind never saw the connection start.
        _timeout?.Cancel();
    }

    private static void ReferenceCountUtilRelease(object message) => DotNetty.Common.Utilities.ReferenceCountUtil.Release(message);

    private void Append(IByteBuffer buffer)
    {
        int count = Math.Min(buffer.ReadableBytes, MaximumHeaderLength - _length);
        if (_length + count > _received.Length)
            Array.Resize(ref _received, Math.Min(MaximumHeaderLength, Math.Max(_received.Length * 2, _length + count)));
        buffer.GetBytes(buffer.ReaderIndex, _received, _length, count);
        _length += count;
    }

    private void TimedOut(IChannelHandlerContext context)
    {
        if (!_done && !_refused && context.Channel.Active)
            Refuse(context, $"no complete PROXY header within {s_headerTimeout.TotalSeconds:0} s");
    }

    private void Refuse(IChannelHandlerContext context, string reason)
    {
        _refused = true;
        _timeout?.Cancel();
        _received = [];
        context.Channel.Configuration.AutoRead = false;
        _logger.LogWarning("Connection from {RemoteEndPoint} closed: {Reason} (the listener expects the PROXY protocol: {Setting})",
            ChannelAttributes.Format(context.Channel.RemoteAddress), reason, _setting);
        context.CloseAsync();
    }
}
