using ClusterBroker.Cluster;
using ClusterBroker.Core;
using ClusterBroker.Host.Security;
using ClusterBroker.Storage.Redis;
using ClusterBroker.Transport;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;

namespace ClusterBroker.Host;

/// <summary>
/// Where settings come from, later sources winning: appsettings.json next to the executable,
/// environment variables ClusterBroker__Section__Key (e.g. ClusterBroker__Transport__Port=1884), then
/// the command line (--Section:Key value, or the short switches below).
/// </summary>
internal static class HostConfiguration
{
    public const string EnvironmentPrefix = "ClusterBroker__";

    /// <summary>Short command-line switches and the setting each one sets.</summary>
    public static readonly IReadOnlyDictionary<string, string> Switches = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase)
    {
        ["--port"] = "Transport:Port",
        ["--bind"] = "Transport:BindAddress",
        ["--backlog"] = "Transport:Backlog",
        ["--io-threads"] = "Transport:EventLoopThreads",
        ["--tls-port"] = "Transport:Tls:Port",
        ["--tls-certificate"] = "Transport:Tls:CertificatePath",
        ["--tls-password"] = "Transport:Tls:CertificatePassword",
        ["--tls-cert"] = "Transport:Tls:CertificatePath",
        ["--tls-key"] = "Transport:Tls:KeyPath",
        ["--tls-min-version"] = "Transport:Tls:MinimumProtocol",
        ["--tls-ca"] = "Transport:Tls:ClientCaPath",
        ["--tls-client-cert"] = "Transport:Tls:ClientCertificate",
        ["--tls-cert-as-username"] = "Transport:Tls:CertificateAsUsername",
        ["--tls-crl"] = "Transport:Tls:CrlPath",
        ["--proxy-protocol"] = "Transport:ProxyProtocol",
        ["--ws-port"] = "Transport:WebSocket:Port",
        ["--ws-path"] = "Transport:WebSocket:Path",
        ["--max-connections"] = "Broker:MaxConnections",
        ["--max-packet-size"] = "Broker:MaximumPacketSize",
        ["--max-inflight"] = "Broker:MaxInflightMessages",
        ["--max-queued"] = "Broker:MaxQueuedMessagesPerSession",
        ["--shared-strategy"] = "Broker:SharedSubscriptionStrategy",
        ["--log-level"] = "Logging:LogLevel:Default",
        ["--cluster-name"] = "Cluster:Name",
        ["--cluster-host"] = "Cluster:Host",
        ["--cluster-bind"] = "Cluster:BindHost",
        ["--cluster-port"] = "Cluster:Port",
        ["--seed-nodes"] = "Cluster:SeedNodes",
        ["--forward-port"] = "Cluster:ForwardPort",
        ["--allow-anonymous"] = "Security:AllowAnonymous",
        ["--password-file"] = "Security:PasswordFile",
        ["--acl-file"] = "Security:AclFile",
        ["--redis"] = "Redis:Configuration",
        ["--http-port"] = "Http:Port",
        ["--http-bind"] = "Http:BindAddress",
        ["--drain-period"] = "Drain:Period",
        ["--session-durability"] = "Sessions:Durability",
        ["--redis-users"] = "Security:RedisUsers",
        ["--redis-acl"] = "Security:RedisAcl",
        ["--server-reference"] = "Drain:ServerReference",
        ["--log-format"] = "Host:LogFormat",
    };

    /// <summary>
    /// The configuration sections this broker reads and the option class each binds to. Every key under a
    /// section with a class must name one of its settings (<see cref="OptionsChecker"/> refuses the rest);
    /// a section without a class is free-form and not checked. Adding a section is one line here.
    /// </summary>
    public static readonly IReadOnlyList<(string Name, Type? Options)> Sections =
    [
        (TransportOptions.SectionName, typeof(TransportOptions)),
        ("Broker", typeof(BrokerOptions)),
        (ClusterOptions.SectionName, typeof(ClusterOptions)),
        (HostSectionOptions.SectionName, typeof(HostSectionOptions)),
        (SecurityOptions.SectionName, typeof(SecurityOptions)),
        (RedisOptions.SectionName, typeof(RedisOptions)),
        (HttpOptions.SectionName, typeof(HttpOptions)),
        (DrainOptions.SectionName, typeof(DrainOptions)),
        (SessionsOptions.SectionName, typeof(SessionsOptions)),
        ("Logging", null), // Microsoft.Extensions.Logging's own keys (LogLevel:<category>, console options)
    ];

    public const string Usage = """
        Usage: ClusterBroker.Host [options]
               ClusterBroker.Host passwd [-c] [-D] [-b] [--password P] FILE USER [PASSWORD]   (manage a password file; passwd --help)
          --port N                 plain MQTT port (default 1883; 0 = any free port)
          --bind ADDRESS           listen address (default 0.0.0.0)
          --log-level LEVEL        Trace, Debug, Information, Warning, Error, Critical, None
          --backlog N              listen backlog (default 4096, capped by net.core.somaxconn)
          --io-threads N           I/O threads (default: one per processor)
          --tls-port N --tls-certificate FILE.pfx [--tls-password P]   MQTT over TLS (PFX server certificate)
          --tls-cert FILE.pem --tls-key KEY.pem                        ... or PEM: certificate then its chain, and the key;
                                   either is re-read when the file changes (new connections get the new certificate)
          --tls-min-version V      1.2 (default) or 1.3
          --tls-client-cert MODE   none (default), request or require a client certificate, verified against
          --tls-ca FILE.pem        the CA bundle given here (only these CAs are trusted) [--tls-crl FILE: revoked ones]
          --tls-cert-as-username S none (default), cn or san: the certificate's name becomes the user name (ACL, %u)
          --ws-port N [--ws-path /mqtt]                                MQTT over WebSocket
          --proxy-protocol B       true: the TCP listener expects a PROXY protocol v1/v2 header on every connection
                                   (TLS, WebSocket listeners: --Transport:Tls:ProxyProtocol, --Transport:WebSocket:ProxyProtocol)
          --max-connections N --max-packet-size BYTES --max-inflight N --max-queued N
          --shared-strategy NAME   how a shared group picks a member: round_robin (default), random, sticky,
                                   hash_clientid, hash_topic, local
          --Transport:Quotas:KEY V  listener quotas (off by default): MaxConnections, ConnectionRate, ConnectionBurst,
                                   BytesPerSecond, BytesBurst, PublishRate, PublishBurst, DisconnectAfter (also
                                   Transport:Tls:Quotas:KEY and Transport:WebSocket:Quotas:KEY)
          --cluster-port N         cluster (Akka.Remote) port (default 0 = any; set it to form a cluster)
          --cluster-host NAME      address other nodes use to reach this one (default 127.0.0.1)
          --cluster-bind ADDRESS   address the cluster port binds to (default: the cluster host)
          --seed-nodes H:P[,H:P]   seed nodes; empty or only this node = form a new cluster
          --forward-port N         port other nodes send forwarded PUBLISH messages to, directly over TCP (default 0 =
                                   any free port, told to the others; -1 = forward through Akka remoting instead)
          --cluster-name NAME      cluster name, the same on every node (default cluster-broker)
          --password-file FILE     Mosquitto password file (user:$7$... lines); reloaded when it changes
          --acl-file FILE          Mosquitto ACL file (user/topic/pattern lines); reloaded when it changes
          --allow-anonymous B      true|false: clients without a user name (default: true only without a password file)
          --redis-users true       users from Redis, shared by the cluster (manage them with: passwd --redis CONFIG USER)
          --redis-acl true         ACL from Redis, shared by the cluster (upload a file with: acl --redis CONFIG FILE)
          --redis CONFIG           Redis for the cluster's shared state (retained messages), a StackExchange.Redis
                                   configuration string: host:port, several endpoints, serviceName= (Sentinel),
                                   ssl=true, password=...; required with --seed-nodes naming other nodes, unless
                                   --Cluster:InMemoryStores true (each node keeps its own retained messages)
          --session-durability D   Auto (default: Redis when --redis is given), Redis (persistent sessions written to
                                   Redis, continued on another node when theirs dies) or Memory (faster, lost with their node)
          --http-port N            HTTP port of /metrics, /health/live, /health/ready and the admin API /api/v1 (default 8080)
          --http-bind ADDRESS      HTTP listen address (default 0.0.0.0); --Http:Enabled false turns HTTP off;
                                   the admin API's bearer token is Http:AdminToken (set it in the environment:
                                   ClusterBroker__Http__AdminToken; without one every admin call is refused)
          --drain-period TIME      on SIGTERM or POST /api/v1/drain, disconnect clients spread over this long (default 00:00:10)
          --server-reference REF   drained MQTT 5 clients get DISCONNECT 0x9C Use another server with this reference
                                   (default: none, DISCONNECT 0x8B Server shutting down)
          --log-format FORMAT      simple (default) or json (one JSON object per line)
          --Section:Key VALUE      any other setting, e.g. --Broker:SysInterval 00:00:30
        Every option also takes the form --option=VALUE. Settings also come from appsettings.json and
        environment variables ClusterBroker__Section__Key. An unknown option or setting, from any of
        these sources, is refused with exit code 2.
        """;

    public static void AddSources(IConfigurationBuilder configuration, string[] args)
    {
        configuration.AddJsonFile(Path.Combine(AppContext.BaseDirectory, "appsettings.json"), optional: true, reloadOnChange: false);
        configuration.AddEnvironmentVariables(EnvironmentPrefix);
        configuration.AddCommandLine(args, new Dictionary<string, string>(Switches, StringComparer.OrdinalIgnoreCase));
    }

    /// <summary>True when the log lines should be JSON objects (Host:LogFormat / --log-format json).</summary>
    public static bool JsonLogs(IConfiguration configuration) =>
        string.Equals(configuration["Host:LogFormat"], "json", StringComparison.OrdinalIgnoreCase);

    /// <summary>Binds the option classes; throws <see cref="ArgumentException"/> with every problem found.</summary>
    public static BrokerHostSettings Bind(IConfiguration configuration)
    {
        var errors = new List<string>();
        var transport = new TransportOptions();
        var broker = new BrokerOptions();
        var cluster = new ClusterOptions();
        var host = new HostSectionOptions();
        var security = new SecurityOptions();
        var redis = new RedisOptions();
        var http = new HttpOptions();
        var drain = new DrainOptions();
        var sessions = new SessionsOptions();
        try
        {
            configuration.GetSection(TransportOptions.SectionName).Bind(transport);
        }
        catch (InvalidOperationException ex)
        {
            errors.Add(Describe(ex));
        }
        try
        {
            configuration.GetSection("Broker").Bind(broker);
        }
        catch (InvalidOperationException ex)
        {
            errors.Add(Describe(ex));
        }

        try
        {
            configuration.GetSection(ClusterOptions.SectionName).Bind(cluster);
        }
        catch (InvalidOperationException ex)
        {
            errors.Add(Describe(ex));
        }

        try
        {
            configuration.GetSection(HostSectionOptions.SectionName).Bind(host);
        }
        catch (InvalidOperationException ex)
        {
            errors.Add(Describe(ex));
        }

        try
        {
            configuration.GetSection(SecurityOptions.SectionName).Bind(security);
            configuration.GetSection(RedisOptions.SectionName).Bind(redis);
        }
        catch (InvalidOperationException ex)
        {
            errors.Add(Describe(ex));
        }

        try
        {
            configuration.GetSection(HttpOptions.SectionName).Bind(http);
        }
        catch (InvalidOperationException ex)
        {
            errors.Add(Describe(ex));
        }

        try
        {
            configuration.GetSection(DrainOptions.SectionName).Bind(drain);
            configuration.GetSection(SessionsOptions.SectionName).Bind(sessions);
        }
        catch (InvalidOperationException ex)
        {
            errors.Add(Describe(ex));
        }

        if (!string.Equals(host.LogFormat, "simple", StringComparison.OrdinalIgnoreCase) && !string.Equals(host.LogFormat, "json", StringComparison.OrdinalIgnoreCase))
            errors.Add($"Host:LogFormat (--log-format) must be simple or json (was '{host.LogFormat}').");

        var settings = new BrokerHostSettings
        {
            Transport = transport,
            Broker = broker,
            Cluster = cluster,
            Security = security,
            Redis = redis,
            Http = http.Enabled ? http : null,
            Drain = drain,
            Sessions = sessions,
            CompactHeapAfterConnectionBursts = host.CompactHeapAfterConnectionBursts,
        };
        if (errors.Count == 0)
            errors.AddRange(settings.GetValidationErrors());

        string? level = configuration["Logging:LogLevel:Default"];
        if (level is not null && !Enum.TryParse<LogLevel>(level, ignoreCase: true, out _))
            errors.Add($"Log level '{level}' is not one of Trace, Debug, Information, Warning, Error, Critical, None.");
        if (errors.Count > 0)
            throw new ArgumentException(string.Join(Environment.NewLine, errors));
        return settings;
    }

    private static string Describe(InvalidOperationException ex) =>
        ex.InnerException is { } inner ? $"{ex.Message} {inner.Message}" : ex.Message;
}
