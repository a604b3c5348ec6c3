namespace ClusterBroker.Transport;

/// <summary>
/// Listener and socket settings of <see cref="MqttServer"/> (configuration section "Transport").
/// Protocol limits live in the broker options; the host copies the maximum packet size here.
/// </summary>
public sealed class TransportOptions
{
    public const string SectionName = "Transport";

    /// <summary>Address of every listener; "0.0.0.0" (all IPv4), "::" (all IPv6 and IPv4) or a literal address.</summary>
    public string BindAddress { get; set; } = "0.0.0.0";

    /// <summary>Plain TCP port; 0 asks the system for a free port (see <see cref="MqttServer.BoundEndPoints"/>).</summary>
    public int Port { get; set; } = 1883;

    /// <summary>
    /// Listen backlog. The kernel caps it at /proc/sys/net/core/somaxconn; a small backlog makes
    /// connection storms pay SYN retries of a second or more.
    /// </summary>
    public int Backlog { get; set; } = 4096;

    /// <summary>I/O threads serving connections; 0 means one per processor.</summary>
    public int EventLoopThreads { get; set; }

    /// <summary>
    /// The largest packet accepted from clients, in bytes (fixed header included). Larger packets are
    /// rejected as soon as their fixed header arrives, before the body is buffered.
    /// </summary>
    public int MaximumPacketSize { get; set; } = 1024 * 1024;

    /// <summary>
    /// Bytes queued for one client above which its QoS 0 messages are dropped instead of buffered
    /// (a slow consumer must not exhaust the node's memory).
    /// </summary>
    public int MaximumPendingOutgoingBytes { get; set; } = 4 * 1024 * 1024;

    /// <summary>How long <see cref="Core.Connections.IClientConnection.Close"/> waits for queued bytes to drain before it resets the socket.</summary>
    public TimeSpan CloseTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// After a DISCONNECT the client may not expect (5.0: Receive Maximum exceeded), how long the half-closed connection
    /// keeps reading and discarding what the client still sends, so that the client reads the DISCONNECT rather than a
    /// reset. The connection closes as soon as the client closes its side.
    /// </summary>
    public TimeSpan DisconnectLinger { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>
    /// The plain TCP listener expects every connection to start with a PROXY protocol header (v1 or v2, as HAProxy,
    /// nginx or a cloud load balancer send it); the client address it names is used for logs, bans and ACL subjects,
    /// and a connection without a valid header is closed. The TLS and WebSocket listeners have their own setting.
    /// </summary>
    public bool ProxyProtocol { get; set; }

    /// <summary>Connection, byte and publish limits of the plain TCP listener (all off by default).</summary>
    public ListenerQuotaOptions Quotas { get; set; } = new();

    /// <summary>MQTT over TLS listener; disabled when null.</summary>
    public TlsListenerOptions? Tls { get; set; }

    /// <summary>MQTT over WebSocket listener (subprotocol "mqtt", binary frames); disabled when null.</summary>
    public WebSocketListenerOptions? WebSocket { get; set; }

    /// <summary>Throws <see cref="ArgumentException"/> with a message naming the setting that is wrong.</summary>
    public void Validate()
    {
        if (!System.Net.IPAddress.TryParse(BindAddress, out _))
            throw new ArgumentException($"Transport:BindAddress '{BindAddress}' is not an IP address (use 0.0.0.0 for all IPv4 interfaces).");
        ValidatePort("Transport:Port", Port);
        if (Backlog < 1)
            throw new ArgumentException($"Transport:Backlog must be at least 1 (got {Backlog}).");
        if (EventLoopThreads < 0)
            throw new ArgumentException($"Transport:EventLoopThreads must be 0 (one per processor) or more (got {EventLoopThreads}).");
        if (MaximumPacketSize < 2 || MaximumPacketSize > 268_435_460)
            throw new ArgumentException($"Transport:MaximumPacketSize must be between 2 and 268435460 bytes (got {MaximumPacketSize}).");
        if (MaximumPendingOutgoingBytes < 1024)
            throw new ArgumentException($"Transport:MaximumPendingOutgoingBytes must be at least 1024 (got {MaximumPendingOutgoingBytes}).");
        if (CloseTimeout <= TimeSpan.Zero)
            throw new ArgumentException($"Transport:CloseTimeout must be positive (got {CloseTimeout}).");
        if (DisconnectLinger <= TimeSpan.Zero)
            throw new ArgumentException($"Transport:DisconnectLinger must be positive (got {DisconnectLinger}).");
        Quotas.Validate("Transport:Quotas");
        if (Tls is { } tls)
        {
            tls.Quotas.Validate("Transport:Tls:Quotas");
            ValidatePort("Transport:Tls:Port", tls.Port);
            if (string.IsNullOrWhiteSpace(tls.CertificatePath))
                throw new ArgumentException("Transport:Tls:CertificatePath is required when the TLS listener is configured (a PFX/PKCS#12 file, or a PEM file with --tls-key).");
            if (!File.Exists(tls.CertificatePath))
                throw new ArgumentException($"Transport:Tls:CertificatePath '{tls.CertificatePath}' does not exist.");
            if (!string.IsNullOrEmpty(tls.KeyPath) && !File.Exists(tls.KeyPath))
                throw new ArgumentException($"Transport:Tls:KeyPath (--tls-key) '{tls.KeyPath}' does not exist.");
            if (tls.MinimumProtocol is not ("1.2" or "1.3"))
                throw new ArgumentException($"Transport:Tls:MinimumProtocol (--tls-min-version) must be 1.2 or 1.3 (got '{tls.MinimumProtocol}').");
            if (tls.ClientCertificate != ClientCertificateMode.None)
            {
                if (string.IsNullOrWhiteSpace(tls.ClientCaPath))
                    throw new ArgumentException($"Transport:Tls:ClientCaPath (--tls-ca) is required with --tls-client-cert {tls.ClientCertificate.ToString().ToLowerInvariant()} (the PEM bundle of the authorities client certificates must chain to).");
                if (!File.Exists(tls.ClientCaPath))
                    throw new ArgumentException($"Transport:Tls:ClientCaPath (--tls-ca) '{tls.ClientCaPath}' does not exist.");
            }
            else if (tls.CertificateAsUsername != CertificateUsernameSource.None)
            {
                throw new ArgumentException("Transport:Tls:CertificateAsUsername (--tls-cert-as-username) needs --tls-client-cert request or require.");
            }
            if (!string.IsNullOrEmpty(tls.CrlPath) && !File.Exists(tls.CrlPath))
                throw new ArgumentException($"Transport:Tls:CrlPath (--tls-crl) '{tls.CrlPath}' does not exist.");
        }
        if (WebSocket is { } ws)
        {
            ws.Quotas.Validate("Transport:WebSocket:Quotas");
            ValidatePort("Transport:WebSocket:Port", ws.Port);
            if (string.IsNullOrEmpty(ws.Path) || ws.Path[0] != '/')
                throw new ArgumentException($"Transport:WebSocket:Path must start with '/' (got '{ws.Path}').");
        }
    }

    /// <summary>A copy, so that a caller's instance is never changed by the server.</summary>
    public TransportOptions Clone() => new()
    {
        BindAddress = BindAddress,
        Port = Port,
        Backlog = Backlog,
        EventLoopThreads = EventLoopThreads,
        MaximumPacketSize = MaximumPacketSize,
        MaximumPendingOutgoingBytes = MaximumPendingOutgoingBytes,
        CloseTimeout = CloseTimeout,
        DisconnectLinger = DisconnectLinger,
        ProxyProtocol = ProxyProtocol,
        Quotas = Quotas.Clone(),
        Tls = Tls?.Clone(),
        WebSocket = WebSocket is null ? null : new WebSocketListenerOptions { Port = WebSocket.Port, Path = WebSocket.Path, ProxyProtocol = WebSocket.ProxyProtocol, Quotas = WebSocket.Quotas.Clone() },
    };

    private static void ValidatePort(string name, int port)
    {
        if (port is < 0 or > 65535)
            throw new ArgumentException($"{name} must be between 0 and 65535 (got {port}).");
    }
}
