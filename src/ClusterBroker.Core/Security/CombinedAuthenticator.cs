namespace ClusterBroker.Core.Security;

/// <summary>
/// One authenticator for the channel that offers both: CONNECTs without an Authentication Method go to the basic
/// authenticator (user name and password), those with one to the enhanced authenticator (the channel finds it by
/// the <see cref="IEnhancedAuthenticator"/> interface).
/// </summary>
public sealed class CombinedAuthenticator(IAuthenticator basic, IEnhancedAuthenticator enhanced) : IAuthenticator, IEnhancedAuthenticator
{
    public IReadOnlyCollection<string> Methods => enhanced.Methods;

    public ValueTask<AuthenticationResult> AuthenticateAsync(AuthenticationRequest request, CancellationToken cancellationToken) =>
        basic.AuthenticateAsync(request, cancellationToken);

    public IAuthenticationExchange? Start(string method, string remoteEndPoint) => enhanced.Start(method, remoteEndPoint);
}
