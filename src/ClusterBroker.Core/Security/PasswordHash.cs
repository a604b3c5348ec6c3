using System.Globalization;
using System.Security.Cryptography;

namespace ClusterBroker.Core.Security;

/// <summary>
/// A password hash as Mosquitto 2 writes it in password files: <c>$7$ITERATIONS$SALT$HASH</c>, PBKDF2-HMAC-SHA512
/// (what mosquitto_passwd writes, 101 iterations by default), or the older <c>$6$SALT$HASH</c>, SHA-512 of the
/// password followed by the salt. Salt (12 bytes) and hash (64 bytes) are standard Base64. Verification compares
/// in constant time. Error messages never quote the password or the hash; <see cref="ToString"/> gives the file
/// form, for writing password files.
/// </summary>
public sealed class PasswordHash
{
    /// <summary>Iterations mosquitto_passwd uses, and <see cref="Create"/> by default.</summary>
    public const int DefaultIterations = 101;

    public const int SaltLength = 12;

    public const int HashLength = 64;

    /// <summary>Above this many iterations a verification is moved off the connection's thread.</summary>
    public const int InlineIterationLimit = 10_000;

    private readonly byte[] _salt;
    private readonly byte[] _hash;

    private PasswordHash(int iterations, byte[] salt, byte[] hash)
    {
        Iterations = iterations;
        _salt = salt;
        _hash = hash;
    }

    /// <summary>PBKDF2 iterations; 0 for the $6$ (single SHA-512) form.</summary>
    public int Iterations { get; }

    /// <summary>A hash of a new random salt with PBKDF2-SHA512, in the $7$ form.</summary>
    public static PasswordHash Create(ReadOnlySpan<byte> password, int iterations = DefaultIterations)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(iterations, 1);
        byte[] salt = RandomNumberGenerator.GetBytes(SaltLength);
        return new PasswordHash(iterations, salt, Derive(password, salt, iterations));
    }

    /// <summary>Reads the $7$ or $6$ form; <paramref name="error"/> says what is wrong otherwise (never quoting the text).</summary>
    public static bool TryParse(ReadOnlySpan<char> text, out PasswordHash? hash, out string? error)
    {
        hash = null;
        Span<Range> parts = stackalloc Range[6];
        int count = text.Split(parts, '$');
        if (count < 2 || text.Length == 0 || text[0] != '$')
        {
            error = "the password hash does not start with $7$ or $6$";
            return false;
        }

        ReadOnlySpan<char> kind = text[parts[1]];
        int iterations;
        int saltIndex;
        if (kind is "7")
        {
            if (count != 5)
            {
                error = "a $7$ hash has the form $7$iterations$salt$hash";
                return false;
            }

            if (!int.TryParse(text[parts[2]], NumberStyles.None, CultureInfo.InvariantCulture, out iterations) || iterations < 1)
            {
                error = "the iteration count of the $7$ hash is not a positive number";
                return false;
            }

            saltIndex = 3;
        }
        else if (kind is "6")
        {
            if (count != 4)
            {
                error = "a $6$ hash has the form $6$salt$hash";
                return false;
            }

            iterations = 0;
            saltIndex = 2;
        }
        else
        {
            error = "unknown hash type (ClusterBroker reads Mosquitto's $7$ PBKDF2-SHA512 and $6$ SHA-512 hashes)";
            return false;
        }

        if (!TryDecode(text[parts[saltIndex]], SaltLength, out byte[]? salt))
        {
            error = $"the salt is not {SaltLength} bytes of Base64";
            return false;
        }

        if (!TryDecode(text[parts[saltIndex + 1]], HashLength, out byte[]? digest))
        {
            error = $"the hash is not {HashLength} bytes of Base64";
            return false;
        }

        hash = new PasswordHash(iterations, salt, digest);
        error = null;
        return true;
    }

    /// <summary>True when the password hashes to this hash (constant-time comparison).</summary>
    public bool Verify(ReadOnlySpan<byte> password)
    {
        Span<byte> computed = stackalloc byte[HashLength];
        if (Iterations == 0)
        {
            using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA512);
            sha.AppendData(password);
            sha.AppendData(_salt);
            sha.GetHashAndReset(computed);
        }
        else
        {
            Rfc2898DeriveBytes.Pbkdf2(password, _salt, computed, Iterations, HashAlgorithmName.SHA512);
        }

        bool equal = CryptographicOperations.FixedTimeEquals(computed, _hash);
        CryptographicOperations.ZeroMemory(computed);
        return equal;
    }

    /// <summary>The file form: $7$iterations$salt$hash (or $6$salt$hash).</summary>
    public override string ToString() => Iterations == 0
        ? $"$6${Convert.ToBase64String(_salt)}${Convert.ToBase64String(_hash)}"
        : string.Create(CultureInfo.InvariantCulture, $"$7${Iterations}${Convert.ToBase64String(_salt)}${Convert.ToBase64String(_hash)}");

    private static byte[] Derive(ReadOnlySpan<byte> password, byte[] salt, int iterations) =>
        Rfc2898DeriveBytes.Pbkdf2(password, salt, iterations, HashAlgorithmName.SHA512, HashLength);

    private static bool TryDecode(ReadOnlySpan<char> base64, int length, out byte[] bytes)
    {
        bytes = new byte[length];
        Span<byte> buffer = stackalloc byte[(length + 3) / 3 * 3 + 3];
        return Convert.TryFromBase64Chars(base64, buffer, out int written) && written == length && buffer[..length].TryCopyTo(bytes);
    }
}
