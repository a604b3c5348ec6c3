namespace ClusterBroker.Core.Messages;

/// <summary>
/// A persistent session as its owner writes it to the session store, so that another node can continue it
/// when the owner's node or the node holding its connection dies.
/// </summary>
/// <param name="HomeNode">
/// The node holding the session's connection, or while the client is away the node whose router keeps its
/// subscriptions (its offline endpoint). When that node dies, a survivor recovers the sessions it was home to.
/// </param>
/// <param name="Online">True when a connection was attached when this was written.</param>
/// <param name="SessionExpiryInterval">Seconds the session outlives its connection (as last agreed with the client).</param>
/// <param name="ExpiresAtUnixMs">While offline: when the session ends (Unix ms); 0 while online.</param>
/// <param name="Will">A Will waiting for its delay while offline.</param>
/// <param name="WillDueAtUnixMs">When <paramref name="Will"/> is due (Unix ms).</param>
/// <param name="Subscriptions">The session's subscriptions (kept current while online too).</param>
/// <param name="IncomingQoS2">Packet identifiers of incoming QoS 2 messages awaiting PUBREL (offline only).</param>
public sealed record StoredSession(
    string HomeNode,
    bool Online,
    uint SessionExpiryInterval,
    long ExpiresAtUnixMs,
    PendingWill? Will,
    long WillDueAtUnixMs,
    IReadOnlyList<Subscription> Subscriptions,
    IReadOnlyList<ushort> IncomingQoS2);
