using StackExchange.Redis;

namespace ClusterBroker.Storage.Redis;

/// <summary>
/// Where the cluster's shared state lives (configuration section "Redis"; command-line switch --redis).
/// With no <see cref="Configuration"/> the broker keeps its stores in memory (the embedded single node).
/// </summary>
public sealed class RedisOptions
{
    public const string SectionName = "Redis";

    /// <summary>
    /// A StackExchange.Redis configuration string: "host:port", several endpoints ("a:6379,b:6379"), Sentinel
    /// ("sentinel1:26379,serviceName=mymaster"), TLS ("host:6380,ssl=true"), a password ("host,password=..."),
    /// and any other option of that format. Empty = no Redis. abortConnect is always false (a node starts
    /// before its Redis), and the timeouts below apply unless the string sets its own.
    /// </summary>
    public string Configuration { get; set; } = "";

    /// <summary>Prefix of every key and channel this broker uses, so several brokers (or clusters) can share one Redis.</summary>
    public string KeyPrefix { get; set; } = "clusterbroker:";

    /// <summary>How long one attempt to connect may take (connectTimeout).</summary>
    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// How long one command may take, queueing while disconnected included (syncTimeout and asyncTimeout). A
    /// retained write still unconfirmed after this is reported lost (counter and log line); the PUBACK of a
    /// retained QoS 1/2 PUBLISH waits at most this long.
    /// </summary>
    public TimeSpan OperationTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// How often each node compares its retained-message index with Redis (one script call when current),
    /// retries a failed start, and deletes expired retained messages.
    /// </summary>
    public TimeSpan ReconcileInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Largest encoded retained message (bytes) whose payload a node keeps in its index, and that travels in full
    /// in the change notification; larger ones are read from Redis when a subscription matches them.
    /// </summary>
    public int RetainedCachedMessageBytes { get; set; } = 1024;

    /// <summary>
    /// Memory budget (bytes) for the payloads kept in each node's retained index. While the cached messages stay
    /// below it, subscribing with a wildcard reads no payload from Redis; beyond it, further entries hold the
    /// topic and expiry only and their payloads are read from Redis on subscribe. The default of 16 MiB caches about
    /// 50,000 messages of 100 bytes (each counts its encoding plus 160 bytes of objects); 10^6 such messages take at most those 16 MiB of payloads per node, not 10^6
    /// payloads, plus the topic index itself: about 280 bytes per topic, topic string included (measured with 10^6
    /// topics shaped "fleet/N/device-N/state"), so about 280 MB per node for 10^6 retained topics.
    /// </summary>
    public long RetainedCacheBytes { get; set; } = 16L * 1024 * 1024;

    /// <summary>True when a Redis is configured.</summary>
    public bool IsConfigured => !string.IsNullOrWhiteSpace(Configuration);

    /// <summary>Every rule the options break, as sentences naming the setting; empty when valid.</summary>
    public IReadOnlyList<string> GetValidationErrors()
    {
        var errors = new List<string>();
        if (IsConfigured)
        {
            try
            {
                ConfigurationOptions parsed = ConfigurationOptions.Parse(Configuration);
                if (parsed.EndPoints.Count == 0)
                {
                    errors.Add($"Redis:Configuration names no endpoint (was '{Redact(Configuration)}'); give host:port, e.g. --redis 127.0.0.1:6379.");
                }
            }
            catch (Exception ex) when (ex is ArgumentException or FormatException or NotSupportedException)
            {
                errors.Add($"Redis:Configuration is not a valid StackExchange.Redis configuration string: {ex.Message}");
            }
        }

        if (string.IsNullOrEmpty(KeyPrefix))
        {
            errors.Add("Redis:KeyPrefix must not be empty (it keeps this broker's keys apart from others').");
        }

        if (ConnectTimeout < TimeSpan.FromMilliseconds(100) || ConnectTimeout > TimeSpan.FromMinutes(5))
        {
            errors.Add($"Redis:ConnectTimeout must be between 100 ms and 5 minutes (was {ConnectTimeout}).");
        }

        if (OperationTimeout < TimeSpan.FromMilliseconds(100) || OperationTimeout > TimeSpan.FromMinutes(5))
        {
            errors.Add($"Redis:OperationTimeout must be between 100 ms and 5 minutes (was {OperationTimeout}).");
        }

        if (ReconcileInterval < TimeSpan.FromMilliseconds(50) || ReconcileInterval > TimeSpan.FromHours(1))
        {
            errors.Add($"Redis:ReconcileInterval must be between 50 ms and 1 hour (was {ReconcileInterval}).");
        }

        if (RetainedCachedMessageBytes < 0)
        {
            errors.Add($"Redis:RetainedCachedMessageBytes must be 0 or more (was {RetainedCachedMessageBytes}).");
        }

        if (RetainedCacheBytes < 0)
        {
            errors.Add($"Redis:RetainedCacheBytes must be 0 or more (was {RetainedCacheBytes}).");
        }

        return errors;
    }

    /// <summary>
    /// The StackExchange.Redis options: the configuration string, with abortConnect=false always and these
    /// timeouts unless the string sets its own.
    /// </summary>
    public ConfigurationOptions ToConfigurationOptions()
    {
        ConfigurationOptions options = ConfigurationOptions.Parse(Configuration);
        options.AbortOnConnectFail = false;
        string lower = Configuration.ToLowerInvariant();
        if (!lower.Contains("connecttimeout=", StringComparison.Ordinal))
        {
            options.ConnectTimeout = (int)ConnectTimeout.TotalMilliseconds;
        }

        if (!lower.Contains("synctimeout=", StringComparison.Ordinal))
        {
            options.SyncTimeout = (int)OperationTimeout.TotalMilliseconds;
        }

        if (!lower.Contains("asynctimeout=", StringComparison.Ordinal))
        {
            options.AsyncTimeout = (int)OperationTimeout.TotalMilliseconds;
        }

        if (!lower.Contains("connectretry=", StringComparison.Ordinal))
        {
            // One attempt at start (bounded by ConnectTimeout), so a node whose Redis is down starts at once; the
            // multiplexer keeps reconnecting in the background.
            options.ConnectRetry = 1;
        }

        options.ClientName ??= "clusterbroker";
        return options;
    }

    /// <summary>The configuration string with any password replaced, for log lines and messages.</summary>
    public static string Redact(string configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        string[] parts = configuration.Split(',');
        for (int i = 0; i < parts.Length; i++)
        {
            string part = parts[i].TrimStart();
            if (part.StartsWith("password=", StringComparison.OrdinalIgnoreCase))
            {
                parts[i] = "password=*****";
            }
        }

        return string.Join(',', parts);
    }

    public RedisOptions Clone() => (RedisOptions)MemberwiseClone();
}
