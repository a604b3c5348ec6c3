using System.Security.Cryptography;

namespace ClusterBroker.Core.Security;

/// <summary>The hash functions of SCRAM-SHA-256 (RFC 7677) and SCRAM-SHA-512: H, HMAC and Hi (PBKDF2), key length.</summary>
public sealed class ScramAlgorithm
{
    public static readonly ScramAlgorithm Sha256 = new("SCRAM-SHA-256", HashAlgorithmName.SHA256, 32);
    public static readonly ScramAlgorithm Sha512 = new("SCRAM-SHA-512", HashAlgorithmName.SHA512, 64);

    private ScramAlgorithm(string method, HashAlgorithmName hash, int keyLength)
    {
        Method = method;
        HashName = hash;
        KeyLength = keyLength;
    }

    /// <summary>The MQTT Authentication Method (the SASL mechanism name).</summary>
    public string Method { get; }

    public HashAlgorithmName HashName { get; }

    public int KeyLength { get; }

    public static ScramAlgorithm? ForMethod(string method) =>
        method == Sha256.Method ? Sha256 : method == Sha512.Method ? Sha512 : null;

    public byte[] Hash(ReadOnlySpan<byte> data) => HashName == HashAlgorithmName.SHA256 ? SHA256.HashData(data) : SHA512.HashData(data);

    public byte[] Hmac(ReadOnlySpan<byte> key, ReadOnlySpan<byte> data) =>
        HashName == HashAlgorithmName.SHA256 ? HMACSHA256.HashData(key, data) : HMACSHA512.HashData(key, data);

    /// <summary>Hi(password, salt, i) of RFC 5802: PBKDF2 with this HMAC, one block.</summary>
    public byte[] SaltedPassword(ReadOnlySpan<byte> password, ReadOnlySpan<byte> salt, int iterations) =>
        Rfc2898DeriveBytes.Pbkdf2(password, salt, iterations, HashName, KeyLength);

    /// <summary>StoredKey = H(HMAC(SaltedPassword, "Client Key")) and ServerKey = HMAC(SaltedPassword, "Server Key").</summary>
    public (byte[] StoredKey, byte[] ServerKey) Keys(ReadOnlySpan<byte> saltedPassword) =>
        (Hash(Hmac(saltedPassword, "Client Key"u8)), Hmac(saltedPassword, "Server Key"u8));
}
