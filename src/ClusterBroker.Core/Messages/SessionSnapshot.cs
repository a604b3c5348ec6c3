namespace ClusterBroker.Core.Messages;

/// <summary>
/// The state a session hands over between its owner (the session actor, while the client is away) and a
/// connection (while it is online): subscriptions, unacknowledged outgoing messages (in send order),
/// queued messages (in order), and the identifiers of incoming QoS 2 messages awaiting PUBREL.
/// </summary>
public sealed record SessionSnapshot(
    IReadOnlyList<Subscription> Subscriptions,
    IReadOnlyList<InflightMessage> Inflight,
    IReadOnlyList<QueuedMessage> Queued,
    IReadOnlyList<ushort> IncomingQoS2)
{
    public static readonly SessionSnapshot Empty = new([], [], [], []);

    public bool IsEmpty => Subscriptions.Count == 0 && Inflight.Count == 0 && Queued.Count == 0 && IncomingQoS2.Count == 0;
}
