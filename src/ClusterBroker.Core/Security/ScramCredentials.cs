using System.Globalization;
using System.Security.Cryptography;

namespace ClusterBroker.Core.Security;

/// <summary>
/// A user's SCRAM keys (RFC 5802 section 3): one salt and iteration count, and for SHA-256 and SHA-512 the
/// StoredKey and ServerKey (never the salted password, so a stolen file does not let anyone log in as the user
/// through SCRAM). Kept in the password file as an optional third field that Mosquitto ignores:
/// <c>user:$7$...:$scram$ITERATIONS$SALT$STOREDKEY256$SERVERKEY256$STOREDKEY512$SERVERKEY512</c> (Base64),
/// written by <c>passwd --scram</c>. Users without it cannot use SCRAM (their $7$ hash would let anyone holding
/// the file log in through SCRAM-SHA-512, so it is deliberately not used).
/// </summary>
public sealed class ScramCredentials
{
    /// <summary>RFC 7677's recommended minimum.</summary>
    public const int DefaultIterations = 4096;

    public const int SaltLength = 16;

    private ScramCredentials(int iterations, byte[] salt, byte[] storedKey256, byte[] serverKey256, byte[] storedKey512, byte[] serverKey512)
    {
        Iterations = iterations;
        Salt = salt;
        StoredKey256 = storedKey256;
        ServerKey256 = serverKey256;
        StoredKey512 = storedKey512;
        ServerKey512 = serverKey512;
    }

    public int Iterations { get; }

    public byte[] Salt { get; }

    private byte[] StoredKey256 { get; }

    private byte[] ServerKey256 { get; }

    private byte[] StoredKey512 { get; }

    private byte[] ServerKey512 { get; }

    public static ScramCredentials Create(ReadOnlySpan<byte> password, int iterations = DefaultIterations)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(iterations, 1);
        byte[] salt = RandomNumberGenerator.GetBytes(SaltLength);
        (byte[] stored256, byte[] server256) = ScramAlgorithm.Sha256.Keys(ScramAlgorithm.Sha256.SaltedPassword(password, salt, iterations));
        (byte[] stored512, byte[] server512) = ScramAlgorithm.Sha512.Keys(ScramAlgorithm.Sha512.SaltedPassword(password, salt, iterations));
        return new ScramCredentials(iterations, salt, stored256, server256, stored512, server512);
    }

    public static bool TryParse(ReadOnlySpan<char> text, out ScramCredentials? credentials, out string? error)
    {
        credentials = null;
        Span<Range> parts = stackalloc Range[9];
        int count = text.Split(parts, '$');
        if (count != 8 || text.Length == 0 || text[0] != '$' || text[parts[1]] is not "scram")
        {
            error = "the SCRAM field has the form $scram$iterations$salt$storedkey256$serverkey256$storedkey512$serverkey512";
            return false;
        }

        if (!int.TryParse(text[parts[2]], NumberStyles.None, CultureInfo.InvariantCulture, out int iterations) || iterations < 1)
        {
            error = "the SCRAM iteration count is not a positive number";
            return false;
        }

        if (!TryDecode(text[parts[3]], SaltLength, out byte[] salt)
            || !TryDecode(text[parts[4]], 32, out byte[] stored256) || !TryDecode(text[parts[5]], 32, out byte[] server256)
            || !TryDecode(text[parts[6]], 64, out byte[] stored512) || !TryDecode(text[parts[7]], 64, out byte[] server512))
        {
            error = "a SCRAM salt or key is not Base64 of the right length";
            return false;
        }

        credentials = new ScramCredentials(iterations, salt, stored256, server256, stored512, server512);
        error = null;
        return true;
    }

    public (byte[] StoredKey, byte[] ServerKey) KeysFor(ScramAlgorithm algorithm) =>
        algorithm == ScramAlgorithm.Sha256 ? (StoredKey256, ServerKey256) : (StoredKey512, ServerKey512);

    public override string ToString() => string.Create(
        CultureInfo.InvariantCulture,
        $"$scram${Iterations}${Convert.ToBase64String(Salt)}${Convert.ToBase64String(StoredKey256)}${Convert.ToBase64String(ServerKey256)}${Convert.ToBase64String(StoredKey512)}${Convert.ToBase64String(ServerKey512)}");

    private static bool TryDecode(ReadOnlySpan<char> base64, int length, out byte[] bytes)
    {
        byte[] buffer = new byte[((base64.Length + 3) / 4 * 3) + 3];
        bool ok = Convert.TryFromBase64Chars(base64, buffer, out int written) && written == length;
        bytes = ok ? buffer[..length] : [];
        return ok;
    }
}
