using ClusterBroker.Core.Connections;
using System.Buffers;
using ClusterBroker.Protocol;
using ClusterBroker.Protocol.Codec;
using DotNetty.Buffers;
using DotNetty.Common.Utilities;
using DotNetty.Transport.Channels;

namespace ClusterBroker.Transport.Internal;

/// <summary>
/// Turns the byte stream of one connection into packets (fired as <see cref="Protocol.Packets.MqttPacket"/>
/// messages) or one <see cref="ProtocolViolation"/>, after which the input is ignored and reading stops.
/// </summary>
/// <remarks>
/// Framing is done here so that memory follows what the client actually sent: the fixed header is
/// read first and the size limit checked against it before any body byte is buffered; a frame that
/// arrives in pieces is collected in an array that grows with the bytes received (never preallocated
/// to the announced length). Every complete frame is copied into an array of its own and decoded from
/// there, so decoded packets (whose PUBLISH payload aliases the frame) outlive the pooled receive
/// buffer, which is released at once: an idle connection holds no buffer at all.
/// </remarks>
internal sealed class MqttFrameDecoder : ChannelHandlerAdapter
{
    /// <summary>A fixed header is the type byte and at most four bytes of remaining length.</summary>
    private const int MaxHeaderLength = 5;
    private const int MinPartialCapacity = 256;

    private readonly MqttPacketDecoder _decoder;
    private readonly ITrafficMeter? _trafficMeter;
    private readonly int _maximumPacketSize;

    // A frame whose header is split across reads: its first bytes (at most 4).
    private byte[]? _header;
    private int _headerCount;

    // A frame whose body is incomplete.
    private byte[]? _frame;
    private int _frameFilled;
    private int _frameLength;

    private bool _failed;

    public MqttFrameDecoder(int maximumPacketSize, ITrafficMeter? trafficMeter = null)
    {
        _trafficMeter = trafficMeter;
        _maximumPacketSize = maximumPacketSize;
        _decoder = new MqttPacketDecoder(maximumPacketSize);
    }

    /// <summary>The version the decoder reads; set automatically by the CONNECT it decodes.</summary>
    public ProtocolVersion? ProtocolVersion
    {
        get => _decoder.ProtocolVersion;
        set => _decoder.ProtocolVersion = value;
    }

    /// <summary>From now on every byte received is dropped undecoded (the connection is closing after a DISCONNECT).</summary>
    public void Discard()
    {
        _failed = true;
        _frame = null;
        _header = null;
        _headerCount = 0;
    }

    /// <summary>True while part of a frame has arrived but not the rest.</summary>
    public bool HasPartialFrame => _frame is not null || _headerCount > 0;

    public override void ChannelRead(IChannelHandlerContext context, object message)
    {
        if (message is not IByteBuffer buffer)
        {
            context.FireChannelRead(message);
            return;
        }
        try
        {
            if (!_failed && buffer.IsReadable())
                Consume(context, buffer);
        }
        finally
        {
            ReferenceCountUtil.Release(buffer);
        }
    }

    public override void ChannelInactive(IChannelHandlerContext context)
    {
        // The connection handler asks HasPartialFrame while handling this event: release afterwards.
        context.FireChannelInactive();
        _frame = null;
        _header = null;
        _headerCount = 0;
    }

    private void Consume(IChannelHandlerContext context, IByteBuffer buffer)
    {
        byte[] array;
        int offset;
        int count = buffer.ReadableBytes;
        if (buffer.HasArray)
        {
            array = buffer.Array;
            offset = buffer.ArrayOffset + buffer.ReaderIndex;
        }
        else
        {
            array = new byte[count];
            buffer.GetBytes(buffer.ReaderIndex, array);
            offset = 0;
        }

        while (count > 0 && !_failed)
        {
            int used;
            if (_frame is not null)
                used = ContinueFrame(context, array, offset, count);
            else if (_headerCount > 0)
                used = ContinueHeader(context, array, offset, count);
            else
                used = StartFrame(context, array, offset, count);
            offset += used;
            count -= used;
        }
    }

    /// <summary>At a frame boundary: decodes every whole frame in place, keeps a partial one.</summary>
    private int StartFrame(IChannelHandlerContext context, byte[] array, int offset, int count)
    {
        HeaderStatus status = ParseHeader(array.AsSpan(offset, Math.Min(count, MaxHeaderLength)), out int headerLength, out int remainingLength);
        if (status == HeaderStatus.Incomplete)
        {
            _header ??= new byte[MaxHeaderLength];
            Buffer.BlockCopy(array, offset, _header, 0, count);
            _headerCount = count;
            return count;
        }
        int frameLength = headerLength + remainingLength;
        if (!CheckHeader(context, status, array.AsSpan(offset, Math.Min(count, MaxHeaderLength)), headerLength, remainingLength, count >= frameLength))
            return count;

        if (count >= frameLength)
        {
            byte[] frame = GC.AllocateUninitializedArray<byte>(frameLength);
            Buffer.BlockCopy(array, offset, frame, 0, frameLength);
            DecodeFrame(context, frame, frameLength);
            return frameLength;
        }

        BeginPartialFrame(frameLength, count);
        Buffer.BlockCopy(array, offset, _frame!, 0, count);
        _frameFilled = count;
        return count;
    }

    /// <summary>The header started in an earlier read: completes it byte by byte (at most four more).</summary>
    private int ContinueHeader(IChannelHandlerContext context, byte[] array, int offset, int count)
    {
        byte[] header = _header!;
        int used = 0;
        while (used < count)
        {
            header[_headerCount++] = array[offset + used++];
            HeaderStatus status = ParseHeader(header.AsSpan(0, _headerCount), out int headerLength, out int remainingLength);
            if (status == HeaderStatus.Incomplete)
                continue;

            int headerCount = _headerCount;
            _headerCount = 0;
            if (!CheckHeader(context, status, header.AsSpan(0, headerCount), headerLength, remainingLength, frameComplete: false))
                return count;

            int frameLength = headerLength + remainingLength;
            BeginPartialFrame(frameLength, headerLength + (count - used));
            Buffer.BlockCopy(header, 0, _frame!, 0, headerLength);
            _frameFilled = headerLength;
            if (_frameFilled == frameLength)
                CompletePartialFrame(context);
            return used;
        }
        return used;
    }

    private int ContinueFrame(IChannelHandlerContext context, byte[] array, int offset, int count)
    {
        int needed = _frameLength - _frameFilled;
        int take = Math.Min(needed, count);
        int required = _frameFilled + take;
        if (required > _frame!.Length)
        {
            int capacity = (int)Math.Min(_frameLength, Math.Max((long)_frame.Length * 2, required));
            Array.Resize(ref _frame, capacity);
        }
        Buffer.BlockCopy(array, offset, _frame, _frameFilled, take);
        _frameFilled += take;
        if (_frameFilled == _frameLength)
            CompletePartialFrame(context);
        return take;
    }

    private void BeginPartialFrame(int frameLength, int available)
    {
        int capacity = Math.Min(frameLength, Math.Max(MinPartialCapacity, available));
        _frame = GC.AllocateUninitializedArray<byte>(capacity);
        _frameLength = frameLength;
        _frameFilled = 0;
    }

    private void CompletePartialFrame(IChannelHandlerContext context)
    {
        byte[] frame = _frame!;
        int length = _frameLength;
        _frame = null;
        _frameFilled = 0;
        _frameLength = 0;
        DecodeFrame(context, frame, length);
    }

    /// <summary>
    /// Accepts a complete header whose frame fits the limit; otherwise asks the codec for the
    /// violation (so that reason code and rule come from one place) and fails the connection.
    /// When the body is still to come, the codec also checks the header alone (reserved type, CONNECT
    /// first, size limit), so that garbage announcing a long body is refused without waiting for it.
    /// </summary>
    private bool CheckHeader(IChannelHandlerContext context, HeaderStatus status, ReadOnlySpan<byte> headerBytes, int headerLength, int remainingLength, bool frameComplete)
    {
        bool fits = status == HeaderStatus.Complete && (long)headerLength + remainingLength <= _maximumPacketSize;
        if (fits && frameComplete)
            return true;

        byte[] copy = headerBytes.Slice(0, status == HeaderStatus.Complete ? headerLength : headerBytes.Length).ToArray();
        DecodeResult result = _decoder.Decode(new ReadOnlySequence<byte>(copy));
        if (fits && result.Status != DecodeStatus.Violation)
            return true;
        ProtocolViolation violation = result.Status == DecodeStatus.Violation
            ? result.Violation!
            : status == HeaderStatus.Malformed
                ? new ProtocolViolation(ReasonCode.MalformedPacket, "MQTT-1.5.5-1", "The Remaining Length is longer than four bytes.")
                : new ProtocolViolation(ReasonCode.PacketTooLarge, "MQTT-3.2.2-15",
                    $"The packet of {(long)headerLength + remainingLength} bytes exceeds the maximum packet size of {_maximumPacketSize} bytes.");
        Fail(context, violation);
        return false;
    }

    private void DecodeFrame(IChannelHandlerContext context, byte[] frame, int length)
    {
        DecodeResult result = _decoder.Decode(new ReadOnlySequence<byte>(frame, 0, length));
        switch (result.Status)
        {
            case DecodeStatus.Packet when result.BytesConsumed == length:
                _trafficMeter?.AddBytesReceived(length);
                context.FireChannelRead(result.Packet!);
                break;
            case DecodeStatus.Violation:
                Fail(context, result.Violation!);
                break;
            default:
                Fail(context, new ProtocolViolation(ReasonCode.MalformedPacket, "MQTT-2.1.4",
                    $"The packet does not match its Remaining Length ({result})."));
                break;
        }
    }

    private void Fail(IChannelHandlerContext context, ProtocolViolation violation)
    {
        _failed = true;
        _frame = null;
        _header = null;
        _headerCount = 0;
        context.Channel.Configuration.AutoRead = false;
        context.FireChannelRead(violation);
    }

    private enum HeaderStatus
    {
        Incomplete,
        Complete,
        Malformed,
    }

    /// <summary>Reads the type byte and the Remaining Length variable byte integer (1.5.5).</summary>
    private static HeaderStatus ParseHeader(ReadOnlySpan<byte> bytes, out int headerLength, out int remainingLength)
    {
        remainingLength = 0;
        headerLength = 0;
        int multiplier = 1;
        for (int i = 1; i < MaxHeaderLength; i++)
        {
            if (i >= bytes.Length)
                return HeaderStatus.Incomplete;
            byte b = bytes[i];
            remainingLength += (b & 0x7F) * multiplier;
            if ((b & 0x80) == 0)
            {
                headerLength = i + 1;
                return HeaderStatus.Complete;
            }
            multiplier <<= 7;
        }
        return HeaderStatus.Malformed;
    }
}
