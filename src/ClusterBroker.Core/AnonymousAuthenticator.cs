using ClusterBroker.Protocol;

namespace ClusterBroker.Core;

/// <summary>
/// The default authenticator: admits every client when anonymous access is allowed; otherwise refuses
/// clients without a user name with 0x87 Not authorized (3.1.1 return code 5). It checks no passwords.
/// </summary>
public sealed class AnonymousAuthenticator(bool allowAnonymous) : IAuthenticator
{
    public ValueTask<AuthenticationResult> AuthenticateAsync(AuthenticationRequest request, CancellationToken cancellationToken)
    {
        if (allowAnonymous || request.Username is not null)
        {
            return ValueTask.FromResult(AuthenticationResult.Success);
        }

        return ValueTask.FromResult(AuthenticationResult.Fail(ReasonCode.NotAuthorized, "Anonymous access is disabled."));
    }
}
