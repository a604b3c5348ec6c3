namespace ClusterBroker.Core;

/// <summary>
/// The authentication hook: decides whether a CONNECT may proceed. Called once per CONNECT, off the hot
/// path; may complete asynchronously (the connection buffers what the client sends meanwhile).
/// The default, <see cref="AnonymousAuthenticator"/>, admits everyone (or, configured so, requires a user
/// name); <see cref="Security.PasswordFileAuthenticator"/> checks passwords and
/// <see cref="Security.ThrottlingAuthenticator"/> slows down password guessing around either. An authenticator that
/// also implements <see cref="IEnhancedAuthenticator"/> (<see cref="Security.CombinedAuthenticator"/>) offers MQTT 5
/// enhanced authentication methods to CONNECTs that name one.
/// </summary>
public interface IAuthenticator
{
    ValueTask<AuthenticationResult> AuthenticateAsync(AuthenticationRequest request, CancellationToken cancellationToken);
}
