using System.Formats.Asn1;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace ClusterBroker.Transport.Tls;

/// <summary>
/// The revoked serial numbers of one or more X.509 CRLs (RFC 5280 section 5), read from a PEM or DER file.
/// </summary>
/// <remarks>
/// .NET has no API that feeds a CRL file to <see cref="X509Chain"/> (on Linux it only consults its own download
/// cache), so the list is read here and each chain element is looked up by issuer and serial number. The file is
/// trusted as the CA bundle is (both come from the operator): its signature is not verified, and its next-update time
/// is not enforced (an out-of-date list still refuses what it names).
/// </remarks>
internal sealed class CertificateRevocationList
{
    private readonly HashSet<string> _revoked = new(StringComparer.Ordinal);

    private CertificateRevocationList()
    {
    }

    /// <summary>Number of revoked certificates listed (for the start-up log).</summary>
    public int Count => _revoked.Count;

    /// <summary>Reads every CRL of the file; throws <see cref="ArgumentException"/> naming the file when one is malformed.</summary>
    public static CertificateRevocationList Load(string path)
    {
        var list = new CertificateRevocationList();
        byte[] content = File.ReadAllBytes(path);
        try
        {
            string text = System.Text.Encoding.ASCII.GetString(content);
            if (text.Contains("-----BEGIN", StringComparison.Ordinal))
            {
                ReadOnlySpan<char> rest = text;
                int found = 0;
                while (PemEncoding.TryFind(rest, out PemFields fields))
                {
                    if (rest[fields.Label].SequenceEqual("X509 CRL"))
                    {
                        list.Add(Convert.FromBase64String(rest[fields.Base64Data].ToString()));
                        found++;
                    }
                    rest = rest[fields.Location.End..];
                }
                if (found == 0)
                    throw new ArgumentException($"Transport:Tls:CrlPath '{path}' holds no '-----BEGIN X509 CRL-----' block.");
            }
            else
            {
                list.Add(content);
            }
        }
        catch (Exception ex) when (ex is AsnContentException or FormatException or CryptographicException)
        {
            throw new ArgumentException($"Transport:Tls:CrlPath '{path}' is not a valid CRL: {ex.Message}", ex);
        }
        return list;
    }

    /// <summary>True when the certificate's issuer revoked it.</summary>
    public bool IsRevoked(X509Certificate2 certificate) =>
        _revoked.Count > 0 && _revoked.Contains(Key(certificate.IssuerName.RawData, certificate.SerialNumberBytes.Span));

    // CertificateList ::= SEQUENCE { tbsCertList, signatureAlgorithm, signature }
    // TBSCertList ::= SEQUENCE { version INTEGER OPTIONAL, signature AlgorithmIdentifier, issuer Name, thisUpdate Time,
    //     nextUpdate Time OPTIONAL, revokedCertificates SEQUENCE OF SEQUENCE { userCertificate INTEGER, ... } OPTIONAL,
    //     crlExtensions [0] OPTIONAL }
    private void Add(byte[] der)
    {
        var outer = new AsnReader(der, AsnEncodingRules.DER);
        AsnReader tbs = outer.ReadSequence().ReadSequence();
        if (tbs.PeekTag().HasSameClassAndValue(Asn1Tag.Integer))
            tbs.ReadInteger();
        tbs.ReadSequence();
        byte[] issuer = tbs.ReadEncodedValue().ToArray();
        tbs.ReadEncodedValue();
        if (tbs.HasData && IsTime(tbs.PeekTag()))
            tbs.ReadEncodedValue();
        if (!tbs.HasData || !tbs.PeekTag().HasSameClassAndValue(Asn1Tag.Sequence))
            return;
        AsnReader entries = tbs.ReadSequence();
        while (entries.HasData)
        {
            AsnReader entry = entries.ReadSequence();
            _revoked.Add(Key(issuer, entry.ReadIntegerBytes().Span));
        }
    }

    private static bool IsTime(Asn1Tag tag) =>
        tag.HasSameClassAndValue(Asn1Tag.UtcTime) || tag.HasSameClassAndValue(Asn1Tag.GeneralizedTime);

    private static string Key(ReadOnlySpan<byte> issuer, ReadOnlySpan<byte> serial) =>
        Convert.ToHexString(issuer) + "/" + Convert.ToHexString(serial);
}
