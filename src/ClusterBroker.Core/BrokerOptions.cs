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

    /// <summary>
    /// Whether QoS 0 messages are queued for a persistent session while its client is offline (Mosquitto's
    /// queue_qos0_messages). They count against <see cref="MaxQueuedMessagesPerSession"/> like QoS 1/2 messages.
    /// Off by default: QoS 0 is "at most once", and the spec lets a server discard it for an offline client.
    /// </summary>
    public bool QueueQoS0Messages { get; set; }

    /// <summary>What happens when a session queue is full.</summary>
    public QueueDropPolicy QueueDropPolicy { get; set; } = QueueDropPolicy.DropOldest;

    /// <summary>Longest topic name or filter in UTF-8 bytes (at most 65535).</summary>
    public int MaxTopicLength { get; set; } = 65_535;

    /// <summary>Most levels in a topic name or filter; 0 = unlimited. 200 as in Mosquitto: real deployments use topics deeper than 128.</summary>
    public int MaxTopicLevels { get; set; } = 200;

    /// <summary>
    /// Refuses the control characters U+0001..U+001F and U+007F..U+009F in topic names, topic filters, client
    /// identifiers and user names (PUBLISH: DISCONNECT 0x90; SUBSCRIBE: SUBACK 0x8F for the filter; CONNECT:
    /// CONNACK 0x85 for the client identifier, 0x86 for the user name), as Mosquitto always does.
    /// Off by default: the spec only says these characters SHOULD NOT be sent (MQTT 5.0 section 1.5.4, 3.1.1
    /// section 1.5.3) and leaves refusing them to the receiver, so a client that uses them is still conforming and
    /// keeps working here unless this is turned on. When on, every PUBLISH topic is scanned once more.
    /// </summary>
    public bool RefuseControlCharacters { get; set; }

    /// <summary>Most subscriptions one client may hold; further ones get SUBACK 0x97 Quota exceeded (3.1.1: 0x80). 0 = unlimited.</summary>
    public int MaxSubscriptionsPerClient { get; set; } = 10_000;

    /// <summary>When set, the 5.0 Server Keep Alive the broker imposes on every 5.0 client (seconds), whatever it asked for.</summary>
    public ushort? ServerKeepAlive { get; set; }

    /// <summary>
    /// Longest Keep Alive a client may use (seconds). A 5.0 client asking for more, or for 0 (no keep alive), is
    /// told this value as Server Keep Alive in CONNACK and held to it. A 3.1/3.1.1 client, which cannot be told, is
    /// accepted and held to it as well: a client that sends nothing for 1.5 times this value is disconnected even if
    /// it asked for longer (Mosquitto 2.0.11 accepts such a client too, but keeps to the client's value; README,
    /// "Keep Alive limits"). Null = no maximum.
    /// </summary>
    public ushort? MaxKeepAlive { get; set; }

    /// <summary>
    /// Shortest Keep Alive a client may use (seconds): a non-zero Keep Alive below it is raised to it (5.0: announced
    /// as Server Keep Alive; 3.1/3.1.1: the broker just waits longer). Keep Alive 0 is governed by
    /// <see cref="MaxKeepAlive"/> only. Null = no minimum.
    /// </summary>
    public ushort? MinKeepAlive { get; set; }

    /// <summary>Highest QoS the broker supports (5.0 Maximum QoS; 3.1.1 subscriptions are granted at most this).</summary>
    public QualityOfService MaximumQoS { get; set; } = QualityOfService.ExactlyOnce;

    /// <summary>Whether retained messages are supported (5.0 Retain Available).</summary>
    public bool RetainAvailable { get; set; } = true;

    /// <summary>Topic Alias Maximum the broker accepts from clients (5.0); 0 disables topic aliases.</summary>
    public ushort TopicAliasMaximum { get; set; } = 64;

    /// <summary>
    /// Most topic aliases the broker uses towards one 5.0 client (server-to-client aliases): the broker uses at most
    /// the smaller of this and the client's own Topic Alias Maximum, assigns an alias to a topic the first time it
    /// sends it while there is room, and reassigns the least recently used alias when the client's alias space is
    /// full. 0 turns server-to-client topic aliases off. Bounds the memory a connection spends on them.
    /// </summary>
    public ushort OutgoingTopicAliasMaximum { get; set; } = 64;

    /// <summary>
    /// The Response Information a 5.0 client gets in CONNACK when it sets Request Response Information to 1 (the
    /// basis of its response topics), e.g. "reply/{clientid}/"; "{clientid}" is replaced by the client identifier.
    /// Null = none is sent.
    /// </summary>
    public string? ResponseInformation { get; set; }

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

    /// <summary>
    /// How a shared group picks the member of each message: round_robin (default), random, sticky, hash_clientid,
    /// hash_topic or local (README, "Shared subscriptions"). Cluster-wide: the publishing node picks a node, that node a member.
    /// </summary>
    public string SharedSubscriptionStrategy { get; set; } = "round_robin";

    /// <summary>
    /// QoS 1/2 messages a shared group keeps on a node while none of its members is online (the oldest is dropped,
    /// counted and logged beyond it); 0 keeps none.
    /// </summary>
    public int MaxQueuedMessagesPerSharedGroup { get; set; } = 1000;

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

        if (MaxKeepAlive is 0)
        {
            errors.Add("MaxKeepAlive, when set, must be between 1 and 65535 seconds (was 0).");
        }

        if (MinKeepAlive is 0)
        {
            errors.Add("MinKeepAlive, when set, must be between 1 and 65535 seconds (was 0).");
        }

        if (MinKeepAlive is ushort min && MaxKeepAlive is ushort max && min > max)
        {
            errors.Add($"MinKeepAlive ({min}) must not be above MaxKeepAlive ({max}).");
        }

        if (ResponseInformation is { Length: 0 })
        {
            errors.Add("ResponseInformation, when set, must not be empty (leave it unset to send none).");
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

        if (MaxQueuedMessagesPerSharedGroup < 0)
        {
            errors.Add($"MaxQueuedMessagesPerSharedGroup must be 0 or more (was {MaxQueuedMessagesPerSharedGroup}).");
        }

        if (!Routing.Sharing.SharedStrategies.TryGet(SharedSubscriptionStrategy, out _))
        {
            errors.Add($"SharedSubscriptionStrategy must be one of {Routing.Sharing.SharedStrategies.Names} (was '{SharedSubscriptionStrategy}').");
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
