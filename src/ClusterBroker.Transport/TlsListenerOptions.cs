namespace ClusterBroker.Transport;

/// <summary>MQTT over TLS listener (configuration section "Transport:Tls").</summary>
public sealed class TlsListenerOptions
{
    /// <summary>TLS port; 0 asks the system for a free port.</summary>
    public int Port { get; set; } = 8883;

    /// <summary>
    /// Server certificate: a PFX (PKCS#12) file holding the key, or a PEM file (the certificate, then any intermediate
    /// certificates of its chain) with the key in <see cref="KeyPath"/>. The file is re-read when it changes.
    /// </summary>
    public string CertificatePath { get; set; } = "";

    /// <summary>Password of the PFX file (or of an encrypted PEM key), if any.</summary>
    public string? CertificatePassword { get; set; }

    /// <summary>PEM private key of a PEM <see cref="CertificatePath"/>; empty when the key is in the certificate file itself.</summary>
    public string? KeyPath { get; set; }

    /// <summary>Lowest TLS version accepted: "1.2" (default) or "1.3". Cipher suites are the operating system's defaults.</summary>
    public string MinimumProtocol { get; set; } = "1.2";

    /// <summary>Whether clients are asked for a certificate (none, request: optional but verified when given, require).</summary>
    public ClientCertificateMode ClientCertificate { get; set; } = ClientCertificateMode.None;

    /// <summary>
    /// PEM bundle of the certification authorities client certificates must chain to; required unless
    /// <see cref="ClientCertificate"/> is none. Only these are trusted (the operating system's store is not used).
    /// </summary>
    public string? ClientCaPath { get; set; }

    /// <summary>Optional certificate revocation list(s) of those authorities (PEM or DER); a revoked client certificate is refused.</summary>
    public string? CrlPath { get; set; }

    /// <summary>
    /// Which name of a verified client certificate becomes the user name (so ACL rules and %u apply to it); the user
    /// name and password of the CONNECT are then not checked. None: the certificate only gates the connection.
    /// </summary>
    public CertificateUsernameSource CertificateAsUsername { get; set; } = CertificateUsernameSource.None;

    /// <summary>Connections on this listener start with a PROXY protocol (v1 or v2) header naming the real client.</summary>
    public bool ProxyProtocol { get; set; }

    /// <summary>Connection, byte and publish limits of this listener (all off by default).</summary>
    public ListenerQuotaOptions Quotas { get; set; } = new();

    public TlsListenerOptions Clone()
    {
        var copy = (TlsListenerOptions)MemberwiseClone();
        copy.Quotas = Quotas.Clone();
        return copy;
    }
}
