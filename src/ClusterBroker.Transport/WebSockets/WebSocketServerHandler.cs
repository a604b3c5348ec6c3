using System.Buffers.Binary;
using System.Text;
using DotNetty.Buffers;
using DotNetty.Common.Utilities;
using DotNetty.Transport.Channels;
using Microsoft.Extensions.Logging;

namespace ClusterBroker.Transport.WebSockets;

/// <summary>
/// MQTT over WebSocket (MQTT 6.0, RFC 6455), server side: answers the HTTP upgrade selecting the
/// "mqtt" subprotocol, then turns binary (and continuation) frames into a plain byte stream for the
/// MQTT frame decoder and wraps every outbound buffer in one unmasked binary frame.
/// </summary>
/// <remarks>
/// Payloads are unmasked while they stream through, never collected per WebSocket frame: MQTT packets
/// need not align with frames [MQTT-6.0.0-2], and the MQTT decoder enforces the packet size limit.
/// Control frames are answered (ping -> pong, close -> close); text frames close the connection with
/// 1003 [MQTT-6.0.0-1]; unmasked client frames and reserved bits with 1002 (RFC 6455 5.1, 5.2).
/// </remarks>
internal sealed class WebSocketServerHandler : ChannelHandlerAdapter
{
    private const int MaxRequestLength = 8192;
    private const int MaxControlPayload = 125;

    private readonly string _path;
    private readonly ILogger _logger;

    private byte[]? _request;
    private int _requestLength;
    private bool _open;
    private bool _failed;
    private bool _closeSent;

    // Frame parsing state.
    private readonly byte[] _header = new byte[14];
    private int _headerCount;
    private bool _inPayload;
    private byte _opcode;
    private bool _fin;
    private long _payloadRemaining;
    private uint _mask;
    private int _maskIndex;
    private bool _inBinaryMessage;
    private byte[]? _control;
    private int _controlLength;

    public WebSocketServerHandler(string path, ILogger logger)
    {
        _path = path;
        _logger = logger;
    }

    public override void ChannelRead(IChannelHandlerContext context, object message)
    {
        if (message is not IByteBuffer buffer)
        {
            context.FireChannelRead(message);
            return;
        }
        try
        {
            if (_failed || !buffer.IsReadable())
                return;
            byte[] array = new byte[buffer.ReadableBytes];
            buffer.GetBytes(buffer.ReaderIndex, array);
            int offset = 0;
            if (!_open)
            {
                offset = ReadHandshake(context, array);
                if (!_open)
                    return;
            }
            ReadFrames(context, array, offset, array.Length - offset);
        }
        finally
        {
            ReferenceCountUtil.Release(buffer);
        }
    }

    public override Task WriteAsync(IChannelHandlerContext context, object message)
    {
        if (!_open || message is not IByteBuffer buffer || !buffer.IsReadable())
            return context.WriteAsync(message);
        if (_closeSent)
        {
            ReferenceCountUtil.Release(message);
            return Task.CompletedTask;
        }
        _ = context.WriteAsync(FrameHeader(context.Allocator, 0x82, buffer.ReadableBytes));
        return context.WriteAsync(buffer);
    }

    public override Task CloseAsync(IChannelHandlerContext context)
    {
        if (_open && !_closeSent && context.Channel.Active)
        {
            // Closing handshake from our side (RFC 6455 5.5.1): 1000 normal closure.
            _closeSent = true;
            IByteBuffer frame = FrameHeader(context.Allocator, 0x88, 2);
            frame.WriteShort(1000);
            _ = context.WriteAndFlushAsync(frame);
        }
        return context.CloseAsync();
    }

    // ---- handshake ----

    private int ReadHandshake(IChannelHandlerContext context, byte[] data)
    {
        _request ??= new byte[Math.Min(MaxRequestLength, Math.Max(512, data.Length))];
        int copy = Math.Min(data.Length, MaxRequestLength - _requestLength);
        if (_requestLength + copy > _request.Length)
            Array.Resize(ref _request, Math.Min(MaxRequestLength, Math.Max(_request.Length * 2, _requestLength + copy)));
        Buffer.BlockCopy(data, 0, _request, _requestLength, copy);
        int searchFrom = Math.Max(0, _requestLength - 3);
        _requestLength += copy;

        int end = _request.AsSpan(searchFrom, _requestLength - searchFrom).IndexOf("\r\n\r\n"u8);
        if (end < 0)
        {
            if (_requestLength >= MaxRequestLength)
                Reject(context, "431 Request Header Fields Too Large", "the upgrade request exceeds 8 KiB");
            return data.Length;
        }
        int requestEnd = searchFrom + end + 4;
        string request = Encoding.ASCII.GetString(_request, 0, requestEnd);
        int consumedFromData = requestEnd - (_requestLength - copy);
        _request = null;
        _requestLength = 0;

        WebSocketHandshake.Outcome outcome = WebSocketHandshake.Answer(request, _path);
        if (outcome.Response is not { } response)
        {
            Reject(context, outcome.Status, outcome.Reason);
            return data.Length;
        }
        _open = true;
        _ = context.WriteAndFlushAsync(Unpooled.WrappedBuffer(Encoding.ASCII.GetBytes(response)));
        return consumedFromData;
    }

    private void Reject(IChannelHandlerContext context, string status, string reason)
    {
        _failed = true;
        _request = null;
        _logger.LogInformation("WebSocket upgrade from {RemoteEndPoint} rejected: {Reason}", context.Channel.RemoteAddress, reason);
        byte[] response = Encoding.ASCII.GetBytes($"HTTP/1.1 {status}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n");
        context.WriteAndFlushAsync(Unpooled.WrappedBuffer(response))
            .ContinueWith(static (_, c) => ((IChannel)c!).CloseAsync(), context.Channel, TaskContinuationOptions.ExecuteSynchronously);
    }

    // ---- frames ----

    private void ReadFrames(IChannelHandlerContext context, byte[] data, int offset, int count)
    {
        while (count > 0 && !_failed)
        {
            if (!_inPayload)
            {
                int used = ReadFrameHeader(context, data, offset, count);
                offset += used;
                count -= used;
                continue;
            }

            int take = (int)Math.Min(count, _payloadRemaining);
            if (_opcode is 0x0 or 0x2)
            {
                if (take > 0)
                {
                    IByteBuffer chunk = context.Allocator.HeapBuffer(take);
                    byte[] target = chunk.Array;
                    int targetOffset = chunk.ArrayOffset + chunk.WriterIndex;
                    Unmask(data, offset, target, targetOffset, take);
                    chunk.SetWriterIndex(chunk.WriterIndex + take);
                    context.FireChannelRead(chunk);
                }
            }
            else
            {
                Unmask(data, offset, _control!, _controlLength, take);
                _controlLength += take;
            }
            offset += take;
            count -= take;
            _payloadRemaining -= take;
            if (_payloadRemaining == 0)
                EndFrame(context);
        }
    }

    private int ReadFrameHeader(IChannelHandlerContext context, byte[] data, int offset, int count)
    {
        int used = 0;
        while (used < count)
        {
            _header[_headerCount++] = data[offset + used++];
            if (_headerCount < 2)
                continue;
            int lengthCode = _header[1] & 0x7F;
            int extended = lengthCode == 126 ? 2 : lengthCode == 127 ? 8 : 0;
            int needed = 2 + extended + 4;
            if ((_header[1] & 0x80) == 0)
            {
                Fail(context, 1002, "client frames must be masked (RFC 6455 5.1)");
                return count;
            }
            if (_headerCount < needed)
                continue;

            _headerCount = 0;
            byte first = _header[0];
            _fin = (first & 0x80) != 0;
            _opcode = (byte)(first & 0x0F);
            long length = extended switch
            {
                2 => BinaryPrimitives.ReadUInt16BigEndian(_header.AsSpan(2)),
                8 => (long)BinaryPrimitives.ReadUInt64BigEndian(_header.AsSpan(2)),
                _ => lengthCode,
            };
            _mask = BinaryPrimitives.ReadUInt32BigEndian(_header.AsSpan(2 + extended));
            _maskIndex = 0;
            if (!StartFrame(context, first, length))
                return count;
            _payloadRemaining = length;
            _inPayload = true;
            if (length == 0)
                EndFrame(context);
            return used;
        }
        return used;
    }

    private bool StartFrame(IChannelHandlerContext context, byte first, long length)
    {
        if ((first & 0x70) != 0)
            return Fail(context, 1002, "reserved bits set without a negotiated extension (RFC 6455 5.2)");
        if (length < 0)
            return Fail(context, 1009, "frame length out of range");
        switch (_opcode)
        {
            case 0x2:
                if (_inBinaryMessage)
                    return Fail(context, 1002, "a new message started before the previous one ended (RFC 6455 5.4)");
                _inBinaryMessage = !_fin;
                return true;
            case 0x0:
                if (!_inBinaryMessage)
                    return Fail(context, 1002, "continuation frame outside a message (RFC 6455 5.4)");
                _inBinaryMessage = !_fin;
                return true;
            case 0x1:
                return Fail(context, 1003, "MQTT is carried in binary frames only [MQTT-6.0.0-1]");
            case 0x8 or 0x9 or 0xA:
                if (!_fin || length > MaxControlPayload)
                    return Fail(context, 1002, "control frames are unfragmented and at most 125 bytes (RFC 6455 5.5)");
                _control ??= new byte[MaxControlPayload];
                _controlLength = 0;
                return true;
            default:
                return Fail(context, 1002, $"unknown opcode 0x{_opcode:X}");
        }
    }

    private void EndFrame(IChannelHandlerContext context)
    {
        _inPayload = false;
        switch (_opcode)
        {
            case 0x9: // ping -> pong with the same application data
            {
                IByteBuffer pong = FrameHeader(context.Allocator, 0x8A, _controlLength);
                pong.WriteBytes(_control!, 0, _controlLength);
                _ = context.WriteAndFlushAsync(pong);
                break;
            }
            case 0x8: // close -> echo the status code, then close the TCP connection
            {
                _failed = true;
                if (!_closeSent)
                {
                    _closeSent = true;
                    int echo = _controlLength >= 2 ? 2 : 0;
                    IByteBuffer reply = FrameHeader(context.Allocator, 0x88, echo);
                    reply.WriteBytes(_control!, 0, echo);
                    context.WriteAndFlushAsync(reply)
                        .ContinueWith(static (_, c) => ((IChannel)c!).CloseAsync(), context.Channel, TaskContinuationOptions.ExecuteSynchronously);
                }
                break;
            }
        }
        if (_opcode >= 0x8)
            _control = null;
    }

    private bool Fail(IChannelHandlerContext context, ushort status, string reason)
    {
        _failed = true;
        _logger.LogInformation("WebSocket connection {RemoteEndPoint} closed with {Status}: {Reason}", context.Channel.RemoteAddress, status, reason);
        if (!_closeSent)
        {
            _closeSent = true;
            IByteBuffer frame = FrameHeader(context.Allocator, 0x88, 2);
            frame.WriteShort(status);
            context.WriteAndFlushAsync(frame)
                .ContinueWith(static (_, c) => ((IChannel)c!).CloseAsync(), context.Channel, TaskContinuationOptions.ExecuteSynchronously);
        }
        return false;
    }

    private void Unmask(byte[] source, int sourceOffset, byte[] target, int targetOffset, int count)
    {
        uint mask = _mask;
        int index = _maskIndex;
        for (int i = 0; i < count; i++)
        {
            byte key = (byte)(mask >> ((3 - index) * 8));
            target[targetOffset + i] = (byte)(source[sourceOffset + i] ^ key);
            index = (index + 1) & 3;
        }
        _maskIndex = index;
    }

    /// <summary>An unmasked frame header (RFC 6455 5.2) with room for <paramref name="payloadLength"/> more bytes.</summary>
    private static IByteBuffer FrameHeader(IByteBufferAllocator allocator, byte firstByte, int payloadLength)
    {
        int headerLength = payloadLength < 126 ? 2 : payloadLength <= ushort.MaxValue ? 4 : 10;
        IByteBuffer header = allocator.HeapBuffer(headerLength + (firstByte >= 0x88 ? payloadLength : 0));
        header.WriteByte(firstByte);
        if (payloadLength < 126)
        {
            header.WriteByte(payloadLength);
        }
        else if (payloadLength <= ushort.MaxValue)
        {
            header.WriteByte(126);
            header.WriteShort(payloadLength);
        }
        else
        {
            header.WriteByte(127);
            header.WriteLong(payloadLength);
        }
        return header;
    }
}
