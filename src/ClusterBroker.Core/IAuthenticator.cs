namespace ClusterBroker.Core;

/// <summary>
/// The authentication hook: decides whether a CONNECT may proceed. Called once per CONNECT, off the hot
/// path; may complete asynchronously (the connection buffers what the client sends meanwhile).
/// The default, <see cref="AnonymousAuthenticator"/>, admits everyone when
/// <see cref="BrokerOptions.AllowAnonymous"/> is set and otherwise requires a user name.
/// </summary>
public interface IAuthenticator
{
    ValueTask<AuthenticationResult> AuthenticateAsync(AuthenticationRequest request, CancellationToken cancellationToken);
}
