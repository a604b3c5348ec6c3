namespace ClusterBroker.Transport;

/// <summary>MQTT over TLS listener (configuration section "Transport:Tls").</summary>
public sealed class TlsListenerOptions
{
    /// <summary>TLS port; 0 asks the system for a free port.</summary>
    public int Port { get; set; } = 8883;

    /// <summary>Server certificate with its private key, as a PFX (PKCS#12) file.</summary>
    public string CertificatePath { get; set; } = "";

    /// <summary>Password of the PFX file, if any.</summary>
    public string? CertificatePassword { get; set; }
}
