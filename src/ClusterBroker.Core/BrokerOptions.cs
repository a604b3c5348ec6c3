using ClusterBroker.Protocol;

namespace ClusterBroker.Core;

/// <summary>
/// Every limit and switch of a broker node. Bound from configuration by the host (section
/// "ClusterBroker:Broker" or as the host chooses), validated at start-up with <see cref="Validate"/>.
/// </summary>
public sealed class BrokerOptions
{
    /// <summary>Largest value of the MQTT Maximum Packet Size (268,435,455 bytes + 5 header bytes).</summary>
    public const uint ProtocolMaximumPacketSize = 268_435_460;

    /// <summary>Most connections this node accepts; further CONNECTs get CONNACK 0x89 Server busy (3.1.1: 3, server unavailable).</summary>
    public int MaxConnections { get; set; } = 100_000;

    /// <summary>Largest packet the broker accepts (sent as Maximum Packet Size in a 5.0 CONNACK); larger ones close the connection with 0x95.</summary>
    public uint MaximumPacketSize { get; set; } = 1_048_576;

    /// <summary>
    /// Receive Maximum of the broker: how many QoS 1/2 PUBLISHes a client may have unacknowledged towards the
    /// broker (sent in the 5.0 CONNACK; exceeding it closes with 0x93).
    /// </summary>
    public ushort ReceiveMaximum { get; set; } = 128;

    /// <summary>
    /// The broker's own cap on unacknowledged QoS 1/2 PUBLISHes towards one client; the effective window is the
    /// smaller of this and the client's Receive Maximum (5.0).
    /// </summary>
    public ushort MaxInflightMessages { get; set; } = 128;

    /// <summary>Most QoS 1/2 messages queued per session (offline, or waiting for the inflight window); 0 = no queueing.</summary>
    public int MaxQueuedMessagesPerSession { get; set; } = 1000;

    /// <summary>What happens when a session queue is full.</summary>
    public QueueDropPolicy QueueDropPolicy { get; set; } = QueueDropPolicy.DropOldest;

    /// <summary>Longest topic name or filter in UTF-8 bytes (at most 65535).</summary>
    public int MaxTopicLength { get; set; } = 65_535;

    /// <summary>Most levels in a topic name or filter; 0 = unlimited.</summary>
    public int MaxTopicLevels { get; set; } = 128;

    /// <summary>Most subscriptions one client may hold; further ones get SUBACK 0x97 Quota exceeded (3.1.1: 0x80). 0 = unlimited.</summary>
    public int MaxSubscriptionsPerClient { get; set; } = 10_000;

    /// <summary>When set, the 5.0 Server Keep Alive the broker imposes on clients (seconds).</summary>
    public ushort? ServerKeepAlive { get; set; }

    /// <summary>Highest QoS the broker supports (5.0 Maximum QoS; 3.1.1 subscriptions are granted at most this).</summary>
    public QualityOfService MaximumQoS { get; set; } = QualityOfService.ExactlyOnce;

    /// <summary>Whether retained messages are supported (5.0 Retain Available).</summary>
    public bool RetainAvailable { get; set; } = true;

    /// <summary>Topic Alias Maximum the broker accepts from clients (5.0); 0 disables topic aliases.</summary>
    public ushort TopicAliasMaximum { get; set; } = 64;

    /// <summary>
    /// Cap on a session's expiry interval in seconds; also the lifetime of a 3.1/3.1.1 persistent session
    /// (Clean Session 0) after it disconnects.
    /// </summary>
    public uint MaximumSessionExpiryInterval { get; set; } = 86_400;

    /// <summary>Interval of the $SYS/broker/... publications; zero disables them.</summary>
    public TimeSpan SysInterval { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>How long a new connection may take to send a complete CONNECT before it is closed.</summary>
    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>5.0 Wildcard Subscription Available.</summary>
    public bool WildcardSubscriptionAvailable { get; set; } = true;

    /// <summary>5.0 Subscription Identifiers Available.</summary>
    public bool SubscriptionIdentifiersAvailable { get; set; } = true;

    /// <summary>5.0 Shared Subscription Available ($share/{group}/{filter} and $queue/{filter}).</summary>
    public bool SharedSubscriptionAvailable { get; set; } = true;

    /// <summary>How long a takeover waits for the previous connection to hand its session back.</summary>
    public TimeSpan TakeoverTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>The broker version reported in $SYS/broker/version.</summary>
    public string Version { get; set; } = typeof(BrokerOptions).Assembly.GetName().Version?.ToString(3) ?? "0.0.0";

    /// <summary>Every rule the options break, as readable sentences naming the option; empty when valid.</summary>
    public IReadOnlyList<string> GetValidationErrors()
    {
        var errors = new List<string>();
        if (MaxConnections < 1)
        {
            errors.Add($"MaxConnections must be at least 1 (was {MaxConnections}).");
        }

        if (MaximumPacketSize < 16 || MaximumPacketSize > ProtocolMaximumPacketSize)
        {
            errors.Add($"MaximumPacketSize must be between 16 and {ProtocolMaximumPacketSize} bytes (was {MaximumPacketSize}).");
        }

        if (ReceiveMaximum == 0)
        {
            errors.Add("ReceiveMaximum must be between 1 and 65535 (was 0).");
        }

        if (MaxInflightMessages == 0)
        {
            errors.Add("MaxInflightMessages must be between 1 and 65535 (was 0).");
        }

        if (MaxQueuedMessagesPerSession < 0)
        {
            errors.Add($"MaxQueuedMessagesPerSession must be 0 or more (was {MaxQueuedMessagesPerSession}).");
        }

        if (!Enum.IsDefined(QueueDropPolicy))
        {
            errors.Add($"QueueDropPolicy must be DropOldest or DropNewest (was {QueueDropPolicy}).");
        }

        if (MaxTopicLength < 1 || MaxTopicLength > 65_535)
        {
            errors.Add($"MaxTopicLength must be between 1 and 65535 bytes (was {MaxTopicLength}).");
        }

        if (MaxTopicLevels < 0)
        {
            errors.Add($"MaxTopicLevels must be 0 (unlimited) or more (was {MaxTopicLevels}).");
        }

        if (MaxSubscriptionsPerClient < 0)
        {
            errors.Add($"MaxSubscriptionsPerClient must be 0 (unlimited) or more (was {MaxSubscriptionsPerClient}).");
        }

        if (ServerKeepAlive is 0)
        {
            errors.Add("ServerKeepAlive, when set, must be between 1 and 65535 seconds (was 0).");
        }

        if (MaximumQoS > QualityOfService.ExactlyOnce)
        {
            errors.Add($"MaximumQoS must be 0, 1 or 2 (was {(byte)MaximumQoS}).");
        }

        if (SysInterval < TimeSpan.Zero)
        {
            errors.Add($"SysInterval must be zero (disabled) or positive (was {SysInterval}).");
        }

        if (ConnectTimeout <= TimeSpan.Zero)
        {
            errors.Add($"ConnectTimeout must be positive (was {ConnectTimeout}).");
        }

        if (TakeoverTimeout <= TimeSpan.Zero)
        {
            errors.Add($"TakeoverTimeout must be positive (was {TakeoverTimeout}).");
        }

        return errors;
    }

    /// <summary>Throws an <see cref="ArgumentException"/> listing every broken rule when the options are invalid.</summary>
    public void Validate()
    {
        IReadOnlyList<string> errors = GetValidationErrors();
        if (errors.Count > 0)
        {
            throw new ArgumentException("Invalid broker options: " + string.Join(" ", errors));
        }
    }

    /// <summary>A copy, so a running node never sees later changes.</summary>
    public BrokerOptions Clone() => (BrokerOptions)MemberwiseClone();
}
