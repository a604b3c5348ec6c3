using System.Buffers;
using System.Runtime.InteropServices;
using ClusterBroker.Core.Connections;
using ClusterBroker.Protocol;
using ClusterBroker.Protocol.Codec;
using ClusterBroker.Protocol.Packets;
using DotNetty.Buffers;
using DotNetty.Transport.Channels;

namespace ClusterBroker.Transport.Internal;

/// <summary>
/// Encodes a connection's outgoing packets into one pooled buffer that goes down the pipeline when the
/// connection flushes, instead of one pipeline write (with its own promise, buffer and outbound entry) per
/// packet: a read batch that acknowledges and forwards a hundred PUBLISHes becomes one write and one send.
/// Used only on the connection's event loop. It is the encoder's <see cref="IBufferWriter{T}"/> itself (over
/// the current buffer), so encoding allocates nothing.
/// </summary>
/// <remarks>
/// A PUBLISH payload larger than <see cref="CopyPayloadLimit"/> is not copied: the buffer so far and the
/// payload (wrapped, not copied) are written as they are. Once the buffer holds <see cref="WriteThreshold"/>
/// bytes it is written at once, so that the channel's outbound byte count (and with it writability,
/// back-pressure and QoS 0 dropping) sees a large burst while it is produced, not after.
/// </remarks>
internal sealed class OutboundBatch(ITrafficMeter? trafficMeter) : IBufferWriter<byte>
{
    private const int CopyPayloadLimit = 2048;
    private const int InitialCapacity = 512;
    private const int WriteThreshold = 64 * 1024;

    private IByteBuffer? _buffer;

    /// <summary>Encodes the packet behind the ones before it; returns the pipeline write it caused, if any.</summary>
    public Task? Append(IChannelHandlerContext context, MqttPacket packet, ProtocolVersion version)
    {
        int size = MqttPacketEncoder.GetEncodedSize(packet, version);
        PublishPacket? uncopied = packet is PublishPacket { Payload.Length: > CopyPayloadLimit } large ? large : null;
        int start = Reserve(context, size - (uncopied?.Payload.Length ?? 0));
        try
        {
            if (uncopied is null)
                MqttPacketEncoder.Encode(packet, version, this);
            else
                MqttPacketEncoder.EncodePublishHeader(uncopied, version, this);
        }
        catch
        {
            // The stream must stay whole: take back whatever the encoder wrote before it failed.
            _buffer!.SetWriterIndex(start);
            throw;
        }

        if (uncopied is PublishPacket publish)
        {
            int payloadLength = publish.Payload.Length;
            WriteTo(context);
            trafficMeter?.AddBytesSent(payloadLength);
            IByteBuffer payload = MemoryMarshal.TryGetArray(publish.Payload, out ArraySegment<byte> segment)
                ? Unpooled.WrappedBuffer(segment.Array!, segment.Offset, segment.Count)
                : Unpooled.WrappedBuffer(publish.Payload.ToArray());
            return context.WriteAsync(payload);
        }

        return _buffer!.ReadableBytes >= WriteThreshold ? WriteTo(context) : null;
    }

    /// <summary>Passes what was encoded down the pipeline (not flushed); null when there was nothing.</summary>
    public Task? WriteTo(IChannelHandlerContext context)
    {
        IByteBuffer? buffer = _buffer;
        if (buffer is null)
            return null;
        _buffer = null;
        trafficMeter?.AddBytesSent(buffer.ReadableBytes);
        return context.WriteAsync(buffer);
    }

    /// <summary>The connection closed: drops what was not written.</summary>
    public void Release()
    {
        _buffer?.Release();
        _buffer = null;
    }

    /// <summary>Makes room for <paramref name="size"/> more bytes; returns where they start.</summary>
    private int Reserve(IChannelHandlerContext context, int size)
    {
        if (_buffer is null)
            _buffer = context.Allocator.HeapBuffer(Math.Max(size, InitialCapacity));
        else
            _buffer.EnsureWritable(size);
        return _buffer.WriterIndex;
    }

    void IBufferWriter<byte>.Advance(int count) => _buffer!.SetWriterIndex(_buffer.WriterIndex + count);

    Memory<byte> IBufferWriter<byte>.GetMemory(int sizeHint)
    {
        IByteBuffer buffer = _buffer!;
        buffer.EnsureWritable(Math.Max(sizeHint, 1));
        return buffer.Array.AsMemory(buffer.ArrayOffset + buffer.WriterIndex, buffer.WritableBytes);
    }

    Span<byte> IBufferWriter<byte>.GetSpan(int sizeHint)
    {
        IByteBuffer buffer = _buffer!;
        buffer.EnsureWritable(Math.Max(sizeHint, 1));
        return buffer.Array.AsSpan(buffer.ArrayOffset + buffer.WriterIndex, buffer.WritableBytes);
    }
}
