using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace ClusterBroker.IntegrationTests.Infrastructure;

/// <summary>
/// The client side of SCRAM (RFC 5802; SHA-256 as in RFC 7677, or SHA-512), written for the tests from the RFC,
/// independently of the broker's code: client-first-message, client-final-message from the server-first-message,
/// and the check of the server's signature. Also linked into ClusterBroker.Core.Tests.
/// </summary>
public sealed class ScramClient
{
    private readonly string _user;
    private readonly string _password;
    private readonly HashAlgorithmName _hash;
    private readonly int _length;
    private readonly string _clientNonce = Convert.ToBase64String(RandomNumberGenerator.GetBytes(18));
    private string _clientFirstBare = "";
    private byte[] _expectedServerSignature = [];

    public ScramClient(string method, string user, string password)
    {
        (_hash, _length) = method switch
        {
            "SCRAM-SHA-256" => (HashAlgorithmName.SHA256, 32),
            "SCRAM-SHA-512" => (HashAlgorithmName.SHA512, 64),
            _ => throw new ArgumentException("unknown method " + method, nameof(method)),
        };
        Method = method;
        _user = user;
        _password = password;
    }

    public string Method { get; }

    public byte[] ClientFirst()
    {
        _clientFirstBare = $"n={_user.Replace("=", "=3D", StringComparison.Ordinal).Replace(",", "=2C", StringComparison.Ordinal)},r={_clientNonce}";
        return Encoding.UTF8.GetBytes("n,," + _clientFirstBare);
    }

    public byte[] ClientFinal(byte[] serverFirstMessage)
    {
        string serverFirst = Encoding.UTF8.GetString(serverFirstMessage);
        Dictionary<string, string> attributes = serverFirst.Split(',').ToDictionary(a => a[..1], a => a[2..]);
        string nonce = attributes["r"];
        if (!nonce.StartsWith(_clientNonce, StringComparison.Ordinal))
        {
            throw new InvalidOperationException("the server nonce does not extend the client's");
        }

        byte[] salt = Convert.FromBase64String(attributes["s"]);
        int iterations = int.Parse(attributes["i"], CultureInfo.InvariantCulture);
        byte[] salted = Rfc2898DeriveBytes.Pbkdf2(Encoding.UTF8.GetBytes(_password), salt, iterations, _hash, _length);
        byte[] clientKey = Hmac(salted, "Client Key");
        byte[] storedKey = _hash == HashAlgorithmName.SHA256 ? SHA256.HashData(clientKey) : SHA512.HashData(clientKey);
        string withoutProof = $"c={Convert.ToBase64String(Encoding.UTF8.GetBytes("n,,"))},r={nonce}";
        string authMessage = $"{_clientFirstBare},{serverFirst},{withoutProof}";
        byte[] signature = Hmac(storedKey, authMessage);
        byte[] proof = new byte[_length];
        for (int i = 0; i < proof.Length; i++)
        {
            proof[i] = (byte)(clientKey[i] ^ signature[i]);
        }

        _expectedServerSignature = Hmac(Hmac(salted, "Server Key"), authMessage);
        return Encoding.UTF8.GetBytes($"{withoutProof},p={Convert.ToBase64String(proof)}");
    }

    /// <summary>True when the server-final-message proves the server knows the user's keys.</summary>
    public bool VerifyServerFinal(byte[]? serverFinalMessage) =>
        serverFinalMessage is not null && Encoding.UTF8.GetString(serverFinalMessage) == "v=" + Convert.ToBase64String(_expectedServerSignature);

    private byte[] Hmac(byte[] key, string data) =>
        _hash == HashAlgorithmName.SHA256 ? HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(data)) : HMACSHA512.HashData(key, Encoding.UTF8.GetBytes(data));
}
