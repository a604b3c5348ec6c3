using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Logging;

namespace ClusterBroker.Transport.Tls;

/// <summary>
/// The TLS listener's server certificate (PFX, or PEM certificate + chain + key), re-read when its files change.
/// </summary>
/// <remarks>
/// The files are looked at by each new handshake, at most once per <see cref="s_checkInterval"/>: no timer or file
/// watcher, and a renewed certificate (certbot, cert-manager) is used from the next connection on. Connections
/// already open keep the certificate they were made with. A replacement that cannot be loaded (half-written file,
/// key that does not match) is logged and the previous certificate stays; the next change is tried again.
/// </remarks>
internal sealed class ServerCertificateSource
{
    private static readonly TimeSpan s_checkInterval = TimeSpan.FromSeconds(1);

    private readonly TlsListenerOptions _options;
    private readonly ILogger _logger;
    private readonly object _gate = new();
    private SslStreamCertificateContext _current;
    private (DateTime Certificate, DateTime Key) _loadedStamps;
    private (DateTime Certificate, DateTime Key) _failedStamps;
    private long _nextCheckTicks;

    /// <summary>Loads the certificate; throws <see cref="ArgumentException"/> naming the file when it cannot be used.</summary>
    public ServerCertificateSource(TlsListenerOptions options, ILogger logger)
    {
        _options = options;
        _logger = logger;
        _loadedStamps = Stamps();
        try
        {
            _current = Load();
        }
        catch (Exception ex) when (ex is CryptographicException or IOException or ArgumentException)
        {
            throw new ArgumentException($"Transport:Tls:CertificatePath '{options.CertificatePath}' cannot be used as the server certificate: {ex.Message}", ex);
        }
        _nextCheckTicks = Environment.TickCount64 + (long)s_checkInterval.TotalMilliseconds;
    }

    /// <summary>The subject of the certificate in use (for the start-up log).</summary>
    public string Subject => _current.TargetCertificate.Subject;

    /// <summary>The certificate context for a new handshake: the current one, reloaded first if its files changed.</summary>
    public SslStreamCertificateContext Current
    {
        get
        {
            long now = Environment.TickCount64;
            if (now >= Volatile.Read(ref _nextCheckTicks))
                CheckForChange(now);
            return Volatile.Read(ref _current);
        }
    }

    private void CheckForChange(long now)
    {
        lock (_gate)
        {
            if (now < _nextCheckTicks)
                return;
            _nextCheckTicks = now + (long)s_checkInterval.TotalMilliseconds;
            (DateTime, DateTime) stamps;
            try
            {
                stamps = Stamps();
            }
            catch (IOException)
            {
                return;
            }
            if (stamps == _loadedStamps || stamps == _failedStamps)
                return;
            try
            {
                SslStreamCertificateContext loaded = Load();
                Volatile.Write(ref _current, loaded);
                _loadedStamps = stamps;
                _logger.LogInformation("TLS server certificate reloaded from {Path}: {Subject}, valid until {NotAfter:u}",
                    _options.CertificatePath, loaded.TargetCertificate.Subject, loaded.TargetCertificate.NotAfter.ToUniversalTime());
            }
            catch (Exception ex) when (ex is CryptographicException or IOException or ArgumentException or UnauthorizedAccessException)
            {
                _failedStamps = stamps;
                _logger.LogWarning("TLS server certificate {Path} changed but cannot be loaded ({Error}); the previous certificate stays in use",
                    _options.CertificatePath, ex.Message);
            }
        }
    }

    private (DateTime Certificate, DateTime Key) Stamps() =>
        (File.GetLastWriteTimeUtc(_options.CertificatePath),
         string.IsNullOrEmpty(_options.KeyPath) ? default : File.GetLastWriteTimeUtc(_options.KeyPath));

    private SslStreamCertificateContext Load()
    {
        string path = _options.CertificatePath;
        X509Certificate2 certificate;
        var chain = new X509Certificate2Collection();
        if (IsPem(path))
        {
            string keyPath = string.IsNullOrEmpty(_options.KeyPath) ? path : _options.KeyPath;
            certificate = string.IsNullOrEmpty(_options.CertificatePassword)
                ? X509Certificate2.CreateFromPemFile(path, keyPath)
                : X509Certificate2.CreateFromEncryptedPemFile(path, _options.CertificatePassword, keyPath);
            var all = new X509Certificate2Collection();
            all.ImportFromPemFile(path);
            // The first certificate of the file is the server's; the rest is its chain, sent to clients with it.
            for (int i = 1; i < all.Count; i++)
                chain.Add(all[i]);
        }
        else
        {
            certificate = X509CertificateLoader.LoadPkcs12FromFile(path, _options.CertificatePassword);
        }
        if (!certificate.HasPrivateKey)
            throw new ArgumentException("the certificate has no private key (give the PEM key with --tls-key)");
        // offline: the chain is what the files hold; nothing is fetched from the network.
        return SslStreamCertificateContext.Create(certificate, chain, offline: true);
    }

    private static bool IsPem(string path)
    {
        using FileStream file = File.OpenRead(path);
        Span<byte> start = stackalloc byte[64];
        int read = file.Read(start);
        return System.Text.Encoding.ASCII.GetString(start[..read]).Contains("-----BEGIN", StringComparison.Ordinal);
    }
}
