using ClusterBroker.Core.Messages;

namespace ClusterBroker.Core.Sessions;

/// <summary>
/// Where persistent sessions outlive the node that owns them (design section 2: the session entity is a cache
/// over this store). One writer per session: its owner (the sharded session entity), which issues its writes in
/// order without waiting for them; a store keeps that order. Each session has a record
/// (<see cref="StoredSession"/>) and a list of pending messages: the unacknowledged ones first (sent again with DUP
/// when the client returns), then the queued ones.
/// </summary>
/// <remarks>
/// Writes report failure through their task; the caller counts and logs them. Nothing here blocks a thread.
/// </remarks>
public interface ISessionStore
{
    /// <summary>The stored session and its pending messages, or null when none is stored (or it cannot be decoded, which is logged).</summary>
    Task<StoredSessionContents?> LoadAsync(string clientId);

    /// <summary>
    /// Writes the session's record, moving it from <paramref name="previousHomeNode"/>'s index to its new home's,
    /// and, when <paramref name="pending"/> is not null, replaces its pending messages with them (they hold every QoS 2
    /// flow then: the ones a connection recorded, <see cref="IQoS2DeliveryLog"/>, are forgotten, as they are when the
    /// record is offline). <paramref name="newConnection"/>: a connection attached, and starts recording its own flows.
    /// </summary>
    Task SaveAsync(string clientId, StoredSession session, string? previousHomeNode, SessionSnapshot? pending, bool newConnection = false);

    /// <summary>
    /// Appends a message to the session's pending messages; with <paramref name="dropOldestBeyond"/> &gt; 0 keeps
    /// only that many (the oldest go, as the in-memory queue did).
    /// </summary>
    Task AppendAsync(string clientId, QueuedMessage message, int dropOldestBeyond);

    /// <summary>Deletes the session, its pending messages and its entry in its home node's index.</summary>
    Task DeleteAsync(string clientId, string? homeNode);

    /// <summary>The ClientIds of the sessions whose home is <paramref name="node"/>.</summary>
    Task<IReadOnlyList<string>> SessionsOfNodeAsync(string node);
}

/// <summary>
/// A stored session with its pending messages (<see cref="SessionSnapshot.Subscriptions"/> repeats the record's) and the
/// identities of the QoS 2 messages its recent connections were given (<see cref="IQoS2DeliveryLog"/>): a replay of one
/// of those is not delivered again.
/// </summary>
public sealed record StoredSessionContents(StoredSession Session, SessionSnapshot Pending, IReadOnlySet<ulong>? GivenQoS2 = null);
