using ClusterBroker.Core.Messages;

namespace ClusterBroker.Storage.Redis.Retained;

/// <summary>
/// What a node knows of one retained message in Redis: its topic and expiry, and the decoded message itself only
/// while it is small and the node's cache budget allows (<see cref="RedisOptions.RetainedCacheBytes"/>).
/// </summary>
internal sealed class RetainedIndexEntry(string topic, long expiresAtUnixMs, BrokerMessage? message, int cachedBytes)
{
    public string Topic { get; } = topic;

    public long ExpiresAtUnixMs { get; } = expiresAtUnixMs;

    /// <summary>The message, when cached; null when it must be read from Redis.</summary>
    public BrokerMessage? Message { get; } = message;

    /// <summary>The bytes this entry's cached message counts against the budget (0 when not cached).</summary>
    public int CachedBytes { get; } = cachedBytes;

    public bool IsExpired(long nowUnixMs) => ExpiresAtUnixMs != 0 && nowUnixMs >= ExpiresAtUnixMs;
}
