namespace ClusterBroker.Core.Connections;

/// <summary>What a listener quota did; the $SYS topic is $SYS/broker/quotas/NAME, the metric label the same name.</summary>
public enum QuotaEvent
{
    /// <summary>A new connection closed at once: the listener's MaxConnections were open ("connections-over-limit").</summary>
    ConnectionsOverLimit,

    /// <summary>A new connection closed at once: above the listener's ConnectionRate ("connections-over-rate").</summary>
    ConnectionsOverRate,

    /// <summary>A client's reads paused for exceeding its PublishRate ("publish-rate-throttled").</summary>
    PublishRateThrottled,

    /// <summary>A client's reads paused for exceeding its BytesPerSecond ("bytes-throttled").</summary>
    BytesThrottled,

    /// <summary>A 5.0 client disconnected with 0x96 Message rate too high ("disconnected-message-rate").</summary>
    DisconnectedMessageRate,

    /// <summary>A 5.0 client disconnected with 0x97 Quota exceeded ("disconnected-quota-exceeded").</summary>
    DisconnectedQuotaExceeded,
}
