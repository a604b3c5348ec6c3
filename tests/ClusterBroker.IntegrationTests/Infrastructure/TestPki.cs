using System.Net;
using System.Numerics;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace ClusterBroker.IntegrationTests.Infrastructure;

/// <summary>
/// A throw-away certification authority made at test time (.NET CertificateRequest, ECDSA P-256): a server certificate
/// for 127.0.0.1/localhost and client certificates of any shape (expired, from another CA, without the client
/// authentication usage, revoked), written as PEM files for the broker and for mosquitto clients. Deleted on dispose.
/// </summary>
public sealed class TestPki : IDisposable
{
    private static readonly Oid s_serverAuth = new("1.3.6.1.5.5.7.3.1");
    private static readonly Oid s_clientAuth = new("1.3.6.1.5.5.7.3.2");

    private readonly DirectoryInfo _directory = System.IO.Directory.CreateTempSubdirectory("clusterbroker-pki-");
    private readonly List<X509Certificate2> _revoked = [];

    public TestPki(string name = "Test CA")
    {
        Authority = CreateAuthority(name);
        CaPath = WritePem("ca.pem", Authority.ExportCertificatePem());
    }

    public X509Certificate2 Authority { get; }

    /// <summary>The CA certificate (PEM): the broker's --tls-ca and the clients' --cafile.</summary>
    public string CaPath { get; }

    public string Directory => _directory.FullName;

    /// <summary>A server certificate for 127.0.0.1 and localhost; the PEM file holds the certificate then the CA (its chain).</summary>
    public (string CertificatePath, string KeyPath, X509Certificate2 Certificate) IssueServer(string commonName = "localhost", string fileName = "server")
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={commonName}", key, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        names.AddIpAddress(IPAddress.Loopback);
        names.AddDnsName("localhost");
        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([s_serverAuth], false));
        X509Certificate2 certificate = Sign(request, DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(7), Authority);
        string certificatePath = WritePem(fileName + ".pem", certificate.ExportCertificatePem() + "\n" + Authority.ExportCertificatePem());
        string keyPath = WritePem(fileName + ".key", key.ExportPkcs8PrivateKeyPem());
        return (certificatePath, keyPath, certificate);
    }

    /// <summary>A client certificate signed by this CA (or <paramref name="issuer"/>'s), written as NAME.pem and NAME.key.</summary>
    public ClientCertificate IssueClient(
        string fileName,
        string? commonName,
        string? dnsName = null,
        DateTimeOffset? notBefore = null,
        DateTimeOffset? notAfter = null,
        bool clientAuthUsage = true,
        X509KeyUsageFlags keyUsage = X509KeyUsageFlags.DigitalSignature,
        TestPki? issuer = null)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(commonName is null ? "O=ClusterBroker tests" : $"CN={commonName}, O=ClusterBroker tests", key, HashAlgorithmName.SHA256);
        if (dnsName is not null)
        {
            var names = new SubjectAlternativeNameBuilder();
            names.AddDnsName(dnsName);
            request.CertificateExtensions.Add(names.Build());
        }
        request.CertificateExtensions.Add(new X509KeyUsageExtension(keyUsage, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([clientAuthUsage ? s_clientAuth : s_serverAuth], false));
        X509Certificate2 signed = Sign(request, notBefore ?? DateTimeOffset.UtcNow.AddDays(-1), notAfter ?? DateTimeOffset.UtcNow.AddDays(7), (issuer ?? this).Authority);
        string certificatePath = WritePem(fileName + ".pem", signed.ExportCertificatePem());
        string keyPath = WritePem(fileName + ".key", key.ExportPkcs8PrivateKeyPem());
        return new ClientCertificate(certificatePath, keyPath, signed.CopyWithPrivateKey(key));
    }

    /// <summary>Adds the certificate to the CRL that <see cref="WriteCrl"/> writes.</summary>
    public void Revoke(X509Certificate2 certificate) => _revoked.Add(certificate);

    /// <summary>Writes this CA's CRL (PEM) listing the revoked certificates.</summary>
    public string WriteCrl()
    {
        var builder = new CertificateRevocationListBuilder();
        foreach (X509Certificate2 certificate in _revoked)
        {
            builder.AddEntry(certificate, DateTimeOffset.UtcNow.AddMinutes(-1));
        }
        byte[] der = builder.Build(Authority, BigInteger.One, DateTimeOffset.UtcNow.AddDays(7), HashAlgorithmName.SHA256);
        return WritePem("crl.pem", new string(PemEncoding.Write("X509 CRL", der)));
    }

    public void Dispose()
    {
        try
        {
            _directory.Delete(recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private static X509Certificate2 CreateAuthority(string name)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={name}, O=ClusterBroker tests", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        return request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-30), DateTimeOffset.UtcNow.AddDays(30));
    }

    private X509Certificate2 Sign(CertificateRequest request, DateTimeOffset notBefore, DateTimeOffset notAfter, X509Certificate2 issuer)
    {
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(issuer, includeKeyIdentifier: true, includeIssuerAndSerial: false));
        // positive and minimal in DER: the first byte is 0x01..0x7F
        byte[] serial = RandomNumberGenerator.GetBytes(12);
        serial[0] = (byte)((serial[0] & 0x7F) | 0x01);
        return request.Create(issuer, notBefore, notAfter, serial);
    }

    private string WritePem(string fileName, string text)
    {
        string path = Path.Combine(_directory.FullName, fileName);
        File.WriteAllText(path, text);
        return path;
    }

    /// <summary>A client certificate's files and the certificate with its key (for MQTTnet).</summary>
    public sealed record ClientCertificate(string CertificatePath, string KeyPath, X509Certificate2 Certificate);
}
