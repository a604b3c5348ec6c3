namespace ClusterBroker.Transport;

/// <summary>Whether the TLS listener asks clients for a certificate (<see cref="TlsListenerOptions.ClientCertificate"/>).</summary>
public enum ClientCertificateMode
{
    /// <summary>No certificate is asked for.</summary>
    None,

    /// <summary>A certificate is asked for; a client without one connects as usual, one with an invalid certificate is refused.</summary>
    Request,

    /// <summary>Every client must present a certificate that chains to the configured authorities.</summary>
    Require,
}
