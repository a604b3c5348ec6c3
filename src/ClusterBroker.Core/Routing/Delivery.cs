using ClusterBroker.Core.Messages;
using ClusterBroker.Protocol;

namespace ClusterBroker.Core.Routing;

/// <summary>
/// One message on its way to one session (a value type, so the hot path allocates no wrapper): QoS after
/// downgrade, RETAIN flag to send, Subscription Identifiers, and the shared group it was chosen for, if any
/// (so that, unacknowledged, it can be redelivered to another member).
/// </summary>
public readonly record struct Delivery(
    BrokerMessage Message,
    QualityOfService QoS,
    bool Retain,
    IReadOnlyList<uint>? SubscriptionIdentifiers,
    SharedGroup? Group)
{
    public QueuedMessage ToQueued() => new(Message, QoS, Retain, SubscriptionIdentifiers);

    public static Delivery FromQueued(QueuedMessage message) => new(message.Message, message.QoS, message.Retain, message.SubscriptionIdentifiers, null);
}
