using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using ClusterBroker.Protocol;

namespace ClusterBroker.Core.Security;

/// <summary>
/// The server side of one SCRAM exchange (RFC 5802, with SHA-256 as RFC 7677 or SHA-512), carried in MQTT 5
/// Authentication Data: client-first-message (in CONNECT, or AUTH 0x19) -> server-first-message (AUTH 0x18) ->
/// client-final-message (AUTH 0x18) -> server-final-message (in CONNACK, or AUTH 0x00). No channel binding
/// ("n" or "y" GS2 flags only); no SASLprep (passwords are compared as their UTF-8 bytes).
/// </summary>
/// <remarks>
/// A user without SCRAM keys (or unknown) gets a salt derived from the name and a server secret, so the
/// exchange looks the same until its proof fails: the answer does not tell which users exist. Failures:
/// 0x86 Bad user name or password for a wrong proof or unknown user, 0x87 Not authorized for a malformed or
/// out-of-order message.
/// </remarks>
internal sealed class ScramExchange : IAuthenticationExchange
{
    private readonly ScramAlgorithm _algorithm;
    private readonly Func<string, ScramCredentials?> _lookup;
    private readonly byte[] _secret;
    private Stage _stage = Stage.ClientFirst;
    private string? _user;
    private string? _gs2Header;
    private string? _clientFirstBare;
    private string? _serverFirst;
    private string? _nonce;
    private ScramCredentials? _credentials;

    public ScramExchange(ScramAlgorithm algorithm, Func<string, ScramCredentials?> lookup, byte[] secret)
    {
        _algorithm = algorithm;
        _lookup = lookup;
        _secret = secret;
    }

    private enum Stage : byte
    {
        ClientFirst,
        ClientFinal,
        Done,
    }

    public AuthenticationStep Next(ReadOnlySpan<byte> clientData)
    {
        string message;
        try
        {
            message = new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(clientData);
        }
        catch (DecoderFallbackException)
        {
            return Malformed("the SCRAM message is not UTF-8");
        }

        Stage stage = _stage;
        _stage = stage == Stage.ClientFirst ? Stage.ClientFinal : Stage.Done;
        return stage switch
        {
            Stage.ClientFirst => OnClientFirst(message),
            Stage.ClientFinal => OnClientFinal(message),
            _ => Malformed("the SCRAM exchange is already over"),
        };
    }

    private AuthenticationStep OnClientFirst(string message)
    {
        // gs2-header = gs2-cbind-flag "," [ authzid ] "," ; no channel binding is offered
        if (message.Length < 3 || (message[0] != 'n' && message[0] != 'y') || message[1] != ',')
        {
            return Malformed(message.StartsWith("p=", StringComparison.Ordinal) ? "channel binding is not supported" : "the client-first-message does not start with a GS2 header");
        }

        int secondComma = message.IndexOf(',', 2);
        if (secondComma < 0)
        {
            return Malformed("the GS2 header is incomplete");
        }

        string authzid = message[2..secondComma];
        _gs2Header = message[..(secondComma + 1)];
        _clientFirstBare = message[(secondComma + 1)..];
        string[] attributes = _clientFirstBare.Split(',');
        if (attributes.Length < 2 || !attributes[0].StartsWith("n=", StringComparison.Ordinal) || !attributes[1].StartsWith("r=", StringComparison.Ordinal))
        {
            return Malformed("the client-first-message must start with n=user,r=nonce");
        }

        if (Array.Exists(attributes, a => a.StartsWith("m=", StringComparison.Ordinal)))
        {
            return Malformed("mandatory SCRAM extensions are not supported");
        }

        string? user = DecodeName(attributes[0][2..]);
        string clientNonce = attributes[1][2..];
        if (user is null || user.Length == 0 || clientNonce.Length == 0 || !IsPrintable(clientNonce))
        {
            return Malformed("the user name or the nonce is not valid");
        }

        if (authzid.Length > 0 && (!authzid.StartsWith("a=", StringComparison.Ordinal) || DecodeName(authzid[2..]) != user))
        {
            return Malformed("authorization identities other than the user are not supported");
        }

        _user = user;
        _credentials = _lookup(user);
        byte[] salt = _credentials?.Salt ?? DecoySalt(user);
        int iterations = _credentials?.Iterations ?? ScramCredentials.DefaultIterations;
        _nonce = clientNonce + Convert.ToBase64String(RandomNumberGenerator.GetBytes(18));
        _serverFirst = string.Create(CultureInfo.InvariantCulture, $"r={_nonce},s={Convert.ToBase64String(salt)},i={iterations}");
        return AuthenticationStep.Continue(Encoding.UTF8.GetBytes(_serverFirst));
    }

    private AuthenticationStep OnClientFinal(string message)
    {
        int proofAt = message.LastIndexOf(",p=", StringComparison.Ordinal);
        if (proofAt < 0)
        {
            return Malformed("the client-final-message has no proof");
        }

        string withoutProof = message[..proofAt];
        string[] attributes = withoutProof.Split(',');
        if (attributes.Length < 2 || attributes[0] != "c=" + Convert.ToBase64String(Encoding.UTF8.GetBytes(_gs2Header!)) || attributes[1] != "r=" + _nonce)
        {
            return Malformed("the channel binding or the nonce of the client-final-message does not match");
        }

        byte[] proof;
        try
        {
            proof = Convert.FromBase64String(message[(proofAt + 3)..]);
        }
        catch (FormatException)
        {
            return Malformed("the proof is not Base64");
        }

        if (_credentials is null || proof.Length != _algorithm.KeyLength)
        {
            return BadCredentials();
        }

        (byte[] storedKey, byte[] serverKey) = _credentials.KeysFor(_algorithm);
        byte[] authMessage = Encoding.UTF8.GetBytes($"{_clientFirstBare},{_serverFirst},{withoutProof}");
        byte[] clientKey = _algorithm.Hmac(storedKey, authMessage);
        for (int i = 0; i < clientKey.Length; i++)
        {
            clientKey[i] ^= proof[i];
        }

        if (!CryptographicOperations.FixedTimeEquals(_algorithm.Hash(clientKey), storedKey))
        {
            return BadCredentials();
        }

        string serverFinal = "v=" + Convert.ToBase64String(_algorithm.Hmac(serverKey, authMessage));
        return AuthenticationStep.Succeed(Encoding.UTF8.GetBytes(serverFinal), _user!);
    }

    private static AuthenticationStep Malformed(string why)
    {
        return AuthenticationStep.Fail(ReasonCode.NotAuthorized, "SCRAM: " + why + ".");
    }

    private AuthenticationStep BadCredentials()
    {
        _stage = Stage.Done;
        return AuthenticationStep.Fail(ReasonCode.BadUserNameOrPassword, "SCRAM: bad user name or password.") with { Username = _user };
    }

    /// <summary>saslname: "=2C" is ',' and "=3D" is '='; any other '=' is invalid.</summary>
    private static string? DecodeName(string value)
    {
        if (!value.Contains('=', StringComparison.Ordinal))
        {
            return value;
        }

        var decoded = new StringBuilder(value.Length);
        for (int i = 0; i < value.Length; i++)
        {
            if (value[i] != '=')
            {
                decoded.Append(value[i]);
            }
            else if (string.CompareOrdinal(value, i, "=2C", 0, 3) == 0)
            {
                decoded.Append(',');
                i += 2;
            }
            else if (string.CompareOrdinal(value, i, "=3D", 0, 3) == 0)
            {
                decoded.Append('=');
                i += 2;
            }
            else
            {
                return null;
            }
        }

        return decoded.ToString();
    }

    private static bool IsPrintable(string nonce)
    {
        foreach (char c in nonce)
        {
            if (c < 0x21 || c > 0x7E || c == ',')
            {
                return false;
            }
        }

        return true;
    }

    private byte[] DecoySalt(string user) => HMACSHA256.HashData(_secret, Encoding.UTF8.GetBytes(user))[..ScramCredentials.SaltLength];
}
