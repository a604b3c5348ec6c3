using System.Security.Cryptography;
using System.Text;

namespace ClusterBroker.Host.Security;

/// <summary>
/// One configuration file whose changes are noticed by polling its size and modification time (no inotify
/// instance per file, and atomic replacements by rename are seen like edits in place). A changed file is read
/// once its stamp held still from one check to the next, so a file caught half-written (truncated, then
/// written) is not read; a change is reported only when the content differs from what was last read.
/// </summary>
internal sealed class WatchedFile(string path)
{
    private (DateTime Written, long Length)? _stamp;
    private byte[]? _digest;
    private (DateTime Written, long Length)? _settling;

    public string Path { get; } = path;

    /// <summary>Reads the file and remembers its stamp and content.</summary>
    public string Read()
    {
        (DateTime, long)? stamp = Stamp();
        string text = File.ReadAllText(Path, Encoding.UTF8);
        _stamp = stamp;
        _digest = SHA256.HashData(Encoding.UTF8.GetBytes(text));
        return text;
    }

    /// <summary>
    /// The new content when the file changed since the last read and has not changed since the previous check, else
    /// null (also null while the file is missing: the rules read before stay in force). <paramref name="force"/>
    /// (SIGHUP) reads at once, even when the stamp is unchanged.
    /// </summary>
    public string? ReadIfChanged(bool force)
    {
        (DateTime, long)? stamp = Stamp();
        if (stamp is null || (!force && stamp == _stamp))
        {
            _settling = null;
            return null;
        }

        if (!force && stamp != _settling)
        {
            // Changed since the last check: read it once it stops changing (an editor or a copy may still be writing it).
            _settling = stamp;
            return null;
        }

        _settling = null;

        byte[]? previous = _digest;
        string text = Read();
        return previous is not null && previous.AsSpan().SequenceEqual(_digest) ? null : text;
    }

    private (DateTime Written, long Length)? Stamp()
    {
        var info = new FileInfo(Path);
        return info.Exists ? (info.LastWriteTimeUtc, info.Length) : null;
    }
}
