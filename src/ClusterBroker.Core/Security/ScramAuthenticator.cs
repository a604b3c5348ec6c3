using System.Security.Cryptography;

namespace ClusterBroker.Core.Security;

/// <summary>
/// SCRAM-SHA-256 and SCRAM-SHA-512 as MQTT 5 enhanced authentication (<see cref="IEnhancedAuthenticator"/>), for the
/// users of a password file that carry SCRAM keys (<see cref="ScramCredentials"/>, written by <c>passwd --scram</c>).
/// The users are read through <c>users</c> at each exchange, so a reloaded password file applies to the next one.
/// </summary>
public sealed class ScramAuthenticator : IEnhancedAuthenticator
{
    private static readonly string[] MethodNames = [ScramAlgorithm.Sha256.Method, ScramAlgorithm.Sha512.Method];

    private readonly Func<PasswordFile> _users;
    private readonly byte[] _secret = RandomNumberGenerator.GetBytes(32);

    public ScramAuthenticator(Func<PasswordFile> users)
    {
        ArgumentNullException.ThrowIfNull(users);
        _users = users;
    }

    public IReadOnlyCollection<string> Methods => MethodNames;

    public IAuthenticationExchange? Start(string method, string remoteEndPoint)
    {
        ArgumentNullException.ThrowIfNull(method);
        return ScramAlgorithm.ForMethod(method) is { } algorithm
            ? new ScramExchange(algorithm, user => _users().Scram.GetValueOrDefault(user), _secret)
            : null;
    }
}
