using ClusterBroker.Protocol;

namespace ClusterBroker.Core.Security;

/// <summary>
/// The <see cref="IAuthenticator"/> of a password file (<see cref="PasswordFile"/>, Mosquitto's format).
/// A client with a user name must give that user's password: an unknown user, a missing or a wrong password
/// all get 0x86 Bad user name or password (3.1.1: return code 4) with the same reason and about the same
/// time (an unknown user costs a hash too), so the answer does not tell which users exist. A client without
/// a user name is admitted only when anonymous access is allowed (else 0x87 Not authorized, 3.1.1: 5).
/// <see cref="Replace"/> swaps the users atomically: connected clients stay connected.
/// </summary>
public sealed class PasswordFileAuthenticator : IAuthenticator
{
    private static readonly PasswordHash Decoy = PasswordHash.Create("decoy"u8);

    private PasswordFile _users;

    public PasswordFileAuthenticator(PasswordFile users, bool allowAnonymous)
    {
        ArgumentNullException.ThrowIfNull(users);
        _users = users;
        AllowAnonymous = allowAnonymous;
    }

    public bool AllowAnonymous { get; }

    /// <summary>The users in force.</summary>
    public PasswordFile Users => Volatile.Read(ref _users);

    /// <summary>Puts a new user list in force for the next CONNECT.</summary>
    public void Replace(PasswordFile users)
    {
        ArgumentNullException.ThrowIfNull(users);
        Volatile.Write(ref _users, users);
    }

    public ValueTask<AuthenticationResult> AuthenticateAsync(AuthenticationRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.Username is null)
        {
            return ValueTask.FromResult(AllowAnonymous
                ? AuthenticationResult.Success
                : AuthenticationResult.Fail(ReasonCode.NotAuthorized, "Anonymous access is disabled."));
        }

        Users.Users.TryGetValue(request.Username, out PasswordHash? hash);
        ReadOnlyMemory<byte> password = request.Password ?? ReadOnlyMemory<byte>.Empty;
        if (hash is { Iterations: > PasswordHash.InlineIterationLimit })
        {
            // A costly hash is not computed on the connection's event loop.
            return new ValueTask<AuthenticationResult>(Task.Run(() => Check(hash, request.Password is not null, password), cancellationToken));
        }

        return ValueTask.FromResult(Check(hash, request.Password is not null, password));
    }

    private static AuthenticationResult Check(PasswordHash? hash, bool hasPassword, ReadOnlyMemory<byte> password)
    {
        bool matches = (hash ?? Decoy).Verify(password.Span);
        return hash is not null && hasPassword && matches
            ? AuthenticationResult.Success
            : AuthenticationResult.Fail(ReasonCode.BadUserNameOrPassword, "Bad user name or password.");
    }
}
