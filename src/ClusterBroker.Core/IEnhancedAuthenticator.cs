namespace ClusterBroker.Core;

/// <summary>
/// MQTT 5 enhanced authentication (section 4.12): the methods a CONNECT may name in its Authentication Method,
/// each run as an exchange of AUTH packets (<see cref="IAuthenticationExchange"/>), at CONNECT and again when the
/// client re-authenticates (AUTH 0x19). A CONNECT naming a method not offered is refused with 0x8C.
/// </summary>
public interface IEnhancedAuthenticator
{
    /// <summary>The Authentication Method names offered (e.g. SCRAM-SHA-256).</summary>
    IReadOnlyCollection<string> Methods { get; }

    /// <summary>Starts an exchange of the method for a client at that address; null when the method is not offered.</summary>
    IAuthenticationExchange? Start(string method, string remoteEndPoint);
}
