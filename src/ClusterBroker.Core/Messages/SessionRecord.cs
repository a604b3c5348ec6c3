namespace ClusterBroker.Core.Messages;

/// <summary>
/// Everything a session owner holds, so that a new owner (another node, after a shard handoff) continues the
/// session exactly: the attached connection if the client is online, the absolute expiry and Will due times,
/// and the state kept while the client is away.
/// </summary>
public sealed record SessionRecord(
    bool Exists,
    long? AttachedConnectionId,
    long ExpiresAtUnixMs,
    PendingWill? Will,
    long WillDueAtUnixMs,
    SessionSnapshot Offline);
