namespace ClusterBroker.Core.Security;

/// <summary>
/// A Mosquitto 2 password file, parsed (no I/O: the host reads the file): one <c>user:hash</c> line per user,
/// the hash in the $7$ (PBKDF2-SHA512) or $6$ (SHA-512) form of <see cref="PasswordHash"/>; lines starting with
/// '#' and blank lines are skipped; blanks around the user name and the hash are ignored. A line that cannot be
/// used is left out (that user cannot log in) and reported in <see cref="Errors"/> with its line number;
/// a user listed twice keeps the last line. Messages never quote a hash. An optional third field holds the user's
/// SCRAM keys (<see cref="ScramCredentials"/>; Mosquitto reads only the first two fields).
/// </summary>
public sealed class PasswordFile
{
    private PasswordFile(IReadOnlyDictionary<string, PasswordHash> users, IReadOnlyDictionary<string, ScramCredentials> scram, IReadOnlyList<SecurityFileError> errors)
    {
        Users = users;
        Scram = scram;
        Errors = errors;
    }

    public static PasswordFile Empty { get; } = new(new Dictionary<string, PasswordHash>(StringComparer.Ordinal), new Dictionary<string, ScramCredentials>(StringComparer.Ordinal), []);

    /// <summary>Every usable user and its hash, by user name (ordinal).</summary>
    public IReadOnlyDictionary<string, PasswordHash> Users { get; }

    /// <summary>The SCRAM keys of the users that have them, by user name.</summary>
    public IReadOnlyDictionary<string, ScramCredentials> Scram { get; }

    /// <summary>Lines that could not be used, in file order.</summary>
    public IReadOnlyList<SecurityFileError> Errors { get; }

    public static PasswordFile Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var users = new Dictionary<string, PasswordHash>(StringComparer.Ordinal);
        var scram = new Dictionary<string, ScramCredentials>(StringComparer.Ordinal);
        var lines = new Dictionary<string, int>(StringComparer.Ordinal);
        var errors = new List<SecurityFileError>();
        int number = 0;
        foreach (ReadOnlySpan<char> raw in text.AsSpan().EnumerateLines())
        {
            number++;
            ReadOnlySpan<char> line = raw.Trim();
            if (line.IsEmpty || line[0] == '#')
            {
                continue;
            }

            int colon = line.IndexOf(':');
            if (colon < 0)
            {
                errors.Add(new SecurityFileError(number, "not of the form user:hash (no ':')."));
                continue;
            }

            ReadOnlySpan<char> name = line[..colon].Trim();
            ReadOnlySpan<char> hashText = line[(colon + 1)..];
            ReadOnlySpan<char> scramText = [];
            int extra = hashText.IndexOf(':');
            if (extra >= 0)
            {
                // Mosquitto reads the second field and ignores any further one: the third may hold SCRAM keys.
                scramText = hashText[(extra + 1)..];
                hashText = hashText[..extra];
                int fourth = scramText.IndexOf(':');
                scramText = (fourth >= 0 ? scramText[..fourth] : scramText).Trim();
            }

            hashText = hashText.Trim();
            if (name.IsEmpty)
            {
                errors.Add(new SecurityFileError(number, "empty user name."));
                continue;
            }

            string user = name.ToString();
            if (hashText.IsEmpty)
            {
                errors.Add(new SecurityFileError(number, $"user '{Shorten(user)}' has no password hash; the user cannot log in."));
                continue;
            }

            if (!PasswordHash.TryParse(hashText, out PasswordHash? hash, out string? error))
            {
                errors.Add(new SecurityFileError(number, $"user '{Shorten(user)}': {error}; the user cannot log in."));
                continue;
            }

            if (lines.TryGetValue(user, out int previous))
            {
                errors.Add(new SecurityFileError(number, $"user '{Shorten(user)}' is listed again (first on line {previous}); this line wins."));
            }

            users[user] = hash!;
            lines[user] = number;
            scram.Remove(user);
            if (scramText.StartsWith("$scram$", StringComparison.Ordinal))
            {
                if (ScramCredentials.TryParse(scramText, out ScramCredentials? keys, out string? scramError))
                {
                    scram[user] = keys!;
                }
                else
                {
                    errors.Add(new SecurityFileError(number, $"user '{Shorten(user)}': {scramError}; SCRAM is refused for this user (its password still works)."));
                }
            }
        }

        return new PasswordFile(users, scram, errors.ToArray());
    }

    private static string Shorten(string value) => value.Length <= 64 ? value : string.Concat(value.AsSpan(0, 64), "...");
}
