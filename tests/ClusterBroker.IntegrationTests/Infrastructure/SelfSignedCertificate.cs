using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace ClusterBroker.IntegrationTests.Infrastructure;

/// <summary>
/// A throw-away self-signed server certificate for 127.0.0.1/localhost, written as a PFX (for the
/// broker) and a PEM (the trust anchor for mosquitto clients) to a temporary directory.
/// </summary>
public sealed class SelfSignedCertificate : IDisposable
{
    public const string Password = "integration-tests";

    private readonly string _directory;

    public SelfSignedCertificate()
    {
        _directory = Directory.CreateTempSubdirectory("clusterbroker-tls").FullName;
        using var rsa = RSA.Create(2048);
        var request = new CertificateRequest("CN=localhost", rsa, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var names = new SubjectAlternativeNameBuilder();
        names.AddIpAddress(IPAddress.Loopback);
        names.AddDnsName("localhost");
        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.KeyEncipherment | X509KeyUsageFlags.KeyCertSign, false));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(7));
        PfxPath = Path.Combine(_directory, "server.pfx");
        PemPath = Path.Combine(_directory, "server.pem");
        File.WriteAllBytes(PfxPath, certificate.Export(X509ContentType.Pkcs12, Password));
        File.WriteAllText(PemPath, certificate.ExportCertificatePem());
        Thumbprint = certificate.Thumbprint;
    }

    public string PfxPath { get; }

    public string PemPath { get; }

    public string Thumbprint { get; }

    public void Dispose()
    {
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
