using System.Buffers;
using System.Buffers.Binary;

namespace ClusterBroker.LoadTests.Messages;

/// <summary>
/// The header every load-test payload starts with: magic, publisher id, sequence number and the
/// send time (Stopwatch ticks, a monotonic clock shared by every process on the machine). The rest
/// of the payload is padding up to the configured size. A probe (sent before publishing starts, to learn
/// that routes reached every node) carries a negative sequence number: it is never a counted message.
/// </summary>
public readonly record struct MessageStamp(int PublisherId, long Sequence, long SentTimestamp)
{
    public const int Size = 24;
    private const uint Magic = 0x544C4243; // "CBLT"

    /// <summary>The stamp of probe <paramref name="round"/> (0, 1, ...) of a publisher.</summary>
    public static MessageStamp Probe(int publisherId, int round, long sentTimestamp) => new(publisherId, -1L - round, sentTimestamp);

    /// <summary>True when the payload is a probe; <paramref name="publisherId"/> is whose.</summary>
    public static bool TryReadProbe(ReadOnlySpan<byte> source, out int publisherId)
    {
        publisherId = -1;
        if (source.Length < Size || BinaryPrimitives.ReadUInt32LittleEndian(source) != Magic || BinaryPrimitives.ReadInt64LittleEndian(source[8..]) >= 0)
        {
            return false;
        }

        publisherId = BinaryPrimitives.ReadInt32LittleEndian(source[4..]);
        return true;
    }

    /// <inheritdoc cref="TryReadProbe(ReadOnlySpan{byte}, out int)"/>
    public static bool TryReadProbe(in ReadOnlySequence<byte> payload, out int publisherId)
    {
        if (payload.FirstSpan.Length >= Size)
        {
            return TryReadProbe(payload.FirstSpan, out publisherId);
        }

        publisherId = -1;
        if (payload.Length < Size)
        {
            return false;
        }

        Span<byte> header = stackalloc byte[Size];
        payload.Slice(0, Size).CopyTo(header);
        return TryReadProbe(header, out publisherId);
    }

    public byte[] ToPayload(int payloadBytes)
    {
        var payload = new byte[Math.Max(Size, payloadBytes)];
        Write(payload);
        return payload;
    }

    public void Write(Span<byte> destination)
    {
        BinaryPrimitives.WriteUInt32LittleEndian(destination, Magic);
        BinaryPrimitives.WriteInt32LittleEndian(destination[4..], PublisherId);
        BinaryPrimitives.WriteInt64LittleEndian(destination[8..], Sequence);
        BinaryPrimitives.WriteInt64LittleEndian(destination[16..], SentTimestamp);
    }

    public static bool TryRead(ReadOnlySpan<byte> source, out MessageStamp stamp)
    {
        stamp = default;
        if (source.Length < Size || BinaryPrimitives.ReadUInt32LittleEndian(source) != Magic)
        {
            return false;
        }

        stamp = new MessageStamp(
            BinaryPrimitives.ReadInt32LittleEndian(source[4..]),
            BinaryPrimitives.ReadInt64LittleEndian(source[8..]),
            BinaryPrimitives.ReadInt64LittleEndian(source[16..]));
        return stamp.Sequence >= 0;
    }

    public static bool TryRead(in ReadOnlySequence<byte> payload, out MessageStamp stamp)
    {
        if (payload.FirstSpan.Length >= Size)
        {
            return TryRead(payload.FirstSpan, out stamp);
        }

        Span<byte> header = stackalloc byte[Size];
        if (payload.Length < Size)
        {
            stamp = default;
            return false;
        }

        payload.Slice(0, Size).CopyTo(header);
        return TryRead(header, out stamp);
    }
}
