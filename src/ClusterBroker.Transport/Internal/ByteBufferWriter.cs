using System.Buffers;
using DotNetty.Buffers;

namespace ClusterBroker.Transport.Internal;

/// <summary>An <see cref="IBufferWriter{T}"/> over an array-backed <see cref="IByteBuffer"/>.</summary>
internal struct ByteBufferWriter : IBufferWriter<byte>
{
    private readonly IByteBuffer _buffer;

    public ByteBufferWriter(IByteBuffer buffer) => _buffer = buffer;

    public readonly void Advance(int count) => _buffer.SetWriterIndex(_buffer.WriterIndex + count);

    public readonly Memory<byte> GetMemory(int sizeHint = 0)
    {
        _buffer.EnsureWritable(Math.Max(sizeHint, 1));
        return _buffer.Array.AsMemory(_buffer.ArrayOffset + _buffer.WriterIndex, _buffer.WritableBytes);
    }

    public readonly Span<byte> GetSpan(int sizeHint = 0) => GetMemory(sizeHint).Span;
}
