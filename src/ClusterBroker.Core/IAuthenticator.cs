namespace ClusterBroker.Core;

/// <summary>
/// The authentication hook: decides whether a CONNECT may proceed. Called once per CONNECT, off the hot
/// path; may complete asynchronously (the connection buffers what the client sends meanwhile).
/// The default, <see cref="AnonymousAuthenticator"/>, admits everyone (or, configured so, requires a user
/// name); <see cref="Security.PasswordFileAuthenticator"/> checks passwords and
/// <see cref="Security.ThrottlingAuthenticator"/> slows down password guessing around either.
/// </summary>
public interface IAuthenticator
{
    ValueTask<AuthenticationResult> AuthenticateAsync(AuthenticationRequest request, CancellationToken cancellationToken);
}
