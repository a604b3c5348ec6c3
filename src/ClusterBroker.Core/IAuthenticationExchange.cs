namespace ClusterBroker.Core;

/// <summary>
/// One enhanced-authentication exchange: each Authentication Data the client sends (in CONNECT, then in AUTH 0x18)
/// gives the next <see cref="AuthenticationStep"/>. Steps are synchronous and cheap (no key derivation on the
/// broker), so they run on the connection's executor.
/// </summary>
public interface IAuthenticationExchange
{
    AuthenticationStep Next(ReadOnlySpan<byte> clientData);
}
