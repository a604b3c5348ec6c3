using System.Text;
using ClusterBroker.Core.Security;

namespace ClusterBroker.Host.Security;

/// <summary>
/// Edits a password file in place the way mosquitto_passwd does: the user's line is replaced (or appended, or
/// removed), every other line (comments, other users, lines it cannot read) is kept as it was. The new file is
/// written next to the old one and renamed over it, so a broker reloading it never sees half a file; a new
/// file is readable by its owner only.
/// </summary>
internal sealed class PasswordFileEditor
{
    private readonly string _path;
    private readonly List<string> _lines;

    private PasswordFileEditor(string path, List<string> lines)
    {
        _path = path;
        _lines = lines;
    }

    public bool Exists { get; private init; }

    /// <summary>Opens the file, or starts an empty one when it does not exist or <paramref name="truncate"/> is set.</summary>
    public static PasswordFileEditor Open(string path, bool truncate)
    {
        bool exists = File.Exists(path);
        var lines = exists && !truncate ? File.ReadAllLines(path, Encoding.UTF8).ToList() : [];
        return new PasswordFileEditor(path, lines) { Exists = exists };
    }

    /// <summary>Sets the user's hash (and SCRAM keys, as a third field): replaces every line of that user by one, or appends it.</summary>
    public void Set(string user, PasswordHash hash, ScramCredentials? scram = null)
    {
        string line = user + ":" + hash + (scram is null ? "" : ":" + scram);
        int first = Remove(user, keepFirstSlot: true);
        if (first >= 0)
            _lines[first] = line;
        else
            _lines.Add(line);
    }

    /// <summary>Removes the user's lines; false when the user was not in the file.</summary>
    public bool Delete(string user) => Remove(user, keepFirstSlot: false) >= 0;

    public void Save()
    {
        string directory = Path.GetDirectoryName(Path.GetFullPath(_path))!;
        string temporary = Path.Combine(directory, $".{Path.GetFileName(_path)}.{Environment.ProcessId}.tmp");
        UnixFileMode mode = Exists && !OperatingSystem.IsWindows()
            ? File.GetUnixFileMode(_path)
            : UnixFileMode.UserRead | UnixFileMode.UserWrite;
        var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
            options.UnixCreateMode = mode;
        using (var stream = new FileStream(temporary, options))
        using (var writer = new StreamWriter(stream, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false)))
        {
            writer.NewLine = "\n";
            foreach (string line in _lines)
                writer.WriteLine(line);
        }

        File.Move(temporary, _path, overwrite: true);
    }

    /// <summary>Removes the user's lines; returns the index of the first one (kept as a slot when asked), or -1.</summary>
    private int Remove(string user, bool keepFirstSlot)
    {
        int first = -1;
        for (int i = 0; i < _lines.Count; i++)
        {
            if (!IsLineOf(_lines[i], user))
                continue;
            if (first < 0)
            {
                first = i;
                if (keepFirstSlot)
                    continue;
            }

            _lines.RemoveAt(i);
            i--;
        }

        return first;
    }

    private static bool IsLineOf(string line, string user)
    {
        ReadOnlySpan<char> trimmed = line.AsSpan().Trim();
        if (trimmed.IsEmpty || trimmed[0] == '#')
            return false;
        int colon = trimmed.IndexOf(':');
        return colon >= 0 && trimmed[..colon].Trim().SequenceEqual(user);
    }
}
