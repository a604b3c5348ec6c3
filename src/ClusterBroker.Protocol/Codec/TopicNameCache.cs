using System.Text;

namespace ClusterBroker.Protocol.Codec;

/// <summary>
/// A few recently decoded topic names of one connection, so that a device publishing to the same
/// topics again and again gets the same string back instead of a new one per PUBLISH. A hit skips the
/// UTF-8 and wildcard checks too: the bytes are the ones already checked. Not thread-safe (a decoder
/// belongs to one connection). Entries are replaced round-robin; names longer than
/// <see cref="MaximumCachedLength"/> bytes are not cached.
/// </summary>
internal sealed class TopicNameCache
{
    public const int MaximumCachedLength = 256;

    private readonly byte[][] _bytes;
    private readonly int[] _lengths;
    private readonly string[] _names;
    private int _count;
    private int _next;

    public TopicNameCache(int size)
    {
        _bytes = new byte[size][];
        _lengths = new int[size];
        _names = new string[size];
    }

    public bool TryGet(ReadOnlySpan<byte> utf8, out string name)
    {
        for (var i = 0; i < _count; i++)
        {
            if (_lengths[i] == utf8.Length && utf8.SequenceEqual(_bytes[i].AsSpan(0, utf8.Length)))
            {
                name = _names[i];
                return true;
            }
        }

        name = string.Empty;
        return false;
    }

    /// <summary>Decodes <paramref name="utf8"/> (already validated) and remembers it.</summary>
    public string Add(ReadOnlySpan<byte> utf8)
    {
        var name = Encoding.UTF8.GetString(utf8);
        if (utf8.Length > MaximumCachedLength)
        {
            return name;
        }

        var slot = _next;
        _next = (_next + 1) % _names.Length;
        if (_count < _names.Length)
        {
            _count++;
        }

        var buffer = _bytes[slot];
        if (buffer is null || buffer.Length < utf8.Length)
        {
            buffer = new byte[Math.Max(utf8.Length, 32)];
            _bytes[slot] = buffer;
        }

        utf8.CopyTo(buffer);
        _lengths[slot] = utf8.Length;
        _names[slot] = name;
        return name;
    }
}
