using System.Security.Authentication;
using Microsoft.Extensions.Logging;

namespace ClusterBroker.Transport.Tls;

/// <summary>What every TLS connection of the listener shares: the server certificate, the client-certificate policy, the versions.</summary>
internal sealed class TlsServerSettings
{
    /// <summary>Loads the certificate, CA bundle and CRL; throws <see cref="ArgumentException"/> naming the setting that cannot be used.</summary>
    public TlsServerSettings(TlsListenerOptions options, ILogger logger)
    {
        Certificate = new ServerCertificateSource(options, logger);
        ClientCertificate = options.ClientCertificate;
        if (options.ClientCertificate != ClientCertificateMode.None)
            ClientValidator = new ClientCertificateValidator(options);
        // OS defaults decide the cipher suites; only the floor of the protocol version is ours.
        Protocols = options.MinimumProtocol == "1.3" ? SslProtocols.Tls13 : SslProtocols.Tls12 | SslProtocols.Tls13;
    }

    public ServerCertificateSource Certificate { get; }

    public ClientCertificateMode ClientCertificate { get; }

    public ClientCertificateValidator? ClientValidator { get; }

    public SslProtocols Protocols { get; }
}
