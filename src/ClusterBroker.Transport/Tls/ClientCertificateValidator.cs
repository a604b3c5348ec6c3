using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace ClusterBroker.Transport.Tls;

/// <summary>
/// Decides whether a client certificate is accepted: it must chain to one of the configured authorities (and only
/// those: the operating system's trust store is not consulted), be within its validity period, be meant for client
/// authentication (extended key usage clientAuth when the extension is present, key usage digitalSignature when that
/// extension is present), and not be revoked by the configured CRL. Also extracts the user name it stands for.
/// </summary>
internal sealed class ClientCertificateValidator
{
    private static readonly Oid s_clientAuthentication = new("1.3.6.1.5.5.7.3.2", "Client Authentication");
    private const string CommonNameOid = "2.5.4.3";

    private readonly X509Certificate2Collection _authorities;
    private readonly CertificateRevocationList? _revocations;
    private readonly CertificateUsernameSource _usernameSource;

    /// <summary>Throws <see cref="ArgumentException"/> naming the setting when the CA bundle or the CRL cannot be read.</summary>
    public ClientCertificateValidator(TlsListenerOptions options)
    {
        _usernameSource = options.CertificateAsUsername;
        _authorities = [];
        try
        {
            _authorities.ImportFromPemFile(options.ClientCaPath!);
        }
        catch (CryptographicException ex)
        {
            throw new ArgumentException($"Transport:Tls:ClientCaPath '{options.ClientCaPath}' is not a PEM certificate bundle: {ex.Message}", ex);
        }
        if (_authorities.Count == 0)
            throw new ArgumentException($"Transport:Tls:ClientCaPath '{options.ClientCaPath}' holds no '-----BEGIN CERTIFICATE-----' block.");
        if (!string.IsNullOrEmpty(options.CrlPath))
            _revocations = CertificateRevocationList.Load(options.CrlPath);
    }

    public int AuthorityCount => _authorities.Count;

    public int RevokedCount => _revocations?.Count ?? 0;

    /// <summary>
    /// Null when the certificate is accepted (then <paramref name="username"/> is the name it stands for, or null when
    /// names are not taken from certificates); otherwise the reason it is refused, for the log.
    /// </summary>
    /// <param name="presented">The chain the TLS stack built, whose extra elements are the intermediates the client sent.</param>
    public string? Validate(X509Certificate2 certificate, X509Chain? presented, out string? username)
    {
        username = null;
        using var chain = new X509Chain();
        X509ChainPolicy policy = chain.ChainPolicy;
        policy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        policy.CustomTrustStore.AddRange(_authorities);
        policy.RevocationMode = X509RevocationMode.NoCheck; // the CRL file is checked below; nothing is downloaded
        policy.DisableCertificateDownloads = true;
        policy.ApplicationPolicy.Add(s_clientAuthentication);
        if (presented is not null)
        {
            for (int i = 1; i < presented.ChainElements.Count; i++)
                policy.ExtraStore.Add(presented.ChainElements[i].Certificate);
        }

        if (!chain.Build(certificate))
        {
            var problems = new List<string>();
            foreach (X509ChainStatus status in chain.ChainStatus)
                problems.Add($"{status.Status} ({status.StatusInformation.Trim()})");
            return "chain not accepted: " + string.Join("; ", problems);
        }

        foreach (X509Extension extension in certificate.Extensions)
        {
            if (extension is X509KeyUsageExtension usage && (usage.KeyUsages & X509KeyUsageFlags.DigitalSignature) == 0)
                return $"key usage {usage.KeyUsages} lacks digitalSignature (required to sign the TLS handshake)";
        }

        if (_revocations is not null)
        {
            foreach (X509ChainElement element in chain.ChainElements)
            {
                if (_revocations.IsRevoked(element.Certificate))
                    return $"certificate {element.Certificate.Subject} (serial {element.Certificate.SerialNumber}) is revoked by the CRL";
            }
        }

        if (_usernameSource == CertificateUsernameSource.None)
            return null;
        username = _usernameSource == CertificateUsernameSource.Cn ? CommonName(certificate) : AlternativeName(certificate);
        if (string.IsNullOrEmpty(username))
        {
            return _usernameSource == CertificateUsernameSource.Cn
                ? "the subject has no common name (CN) to use as the user name (--tls-cert-as-username cn)"
                : "the certificate has no DNS name or e-mail address in its subject alternative names to use as the user name (--tls-cert-as-username san)";
        }
        return null;
    }

    private static string? CommonName(X509Certificate2 certificate)
    {
        // Only a real CN attribute: GetNameInfo(SimpleName) would fall back to e-mail or the whole subject.
        string? name = null;
        foreach (X500RelativeDistinguishedName part in certificate.SubjectName.EnumerateRelativeDistinguishedNames())
        {
            if (!part.HasMultipleElements && part.GetSingleElementType().Value == CommonNameOid)
                name = part.GetSingleElementValue(); // the last CN is the most specific, as in OpenSSL's lookup
        }
        return name;
    }

    private static string? AlternativeName(X509Certificate2 certificate)
    {
        foreach (X509Extension extension in certificate.Extensions)
        {
            if (extension.Oid?.Value == "2.5.29.17")
            {
                var names = extension as X509SubjectAlternativeNameExtension ?? new X509SubjectAlternativeNameExtension(extension.RawData, extension.Critical);
                foreach (string dns in names.EnumerateDnsNames())
                    return dns;
            }
        }
        string email = certificate.GetNameInfo(X509NameType.EmailName, forIssuer: false);
        return string.IsNullOrEmpty(email) ? null : email;
    }
}
