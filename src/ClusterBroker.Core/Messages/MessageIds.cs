using System.Security.Cryptography;

namespace ClusterBroker.Core.Messages;

/// <summary>
/// Gives each accepted message an identity that is unique in the cluster for as long as copies of it can meet: a
/// process starts at a random 64-bit number and counts up from it. Two nodes' ranges would collide only if their
/// random starts fell within the number of messages published between them (about 10^-9 for 10^10 messages), and
/// a collision only matters inside a moving session's few seconds of duplicate detection.
/// </summary>
public static class MessageIds
{
    private static ulong s_last = NonZeroStart();

    /// <summary>The next identity of this process (never 0, which means "none").</summary>
    public static ulong Next()
    {
        ulong id = Interlocked.Increment(ref s_last);
        return id != 0 ? id : Interlocked.Increment(ref s_last);
    }

    private static ulong NonZeroStart()
    {
        Span<byte> bytes = stackalloc byte[8];
        RandomNumberGenerator.Fill(bytes);
        return BitConverter.ToUInt64(bytes) | 1;
    }
}
