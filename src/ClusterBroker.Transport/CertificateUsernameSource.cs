namespace ClusterBroker.Transport;

/// <summary>Which name of a client certificate becomes the user name (<see cref="TlsListenerOptions.CertificateAsUsername"/>).</summary>
public enum CertificateUsernameSource
{
    /// <summary>The certificate only gates the connection; the CONNECT's user name and password are checked as usual.</summary>
    None,

    /// <summary>The subject's common name (CN).</summary>
    Cn,

    /// <summary>The first DNS name of the subject alternative name extension, else its first e-mail address.</summary>
    San,
}
