using ClusterBroker.Protocol;

namespace ClusterBroker.Core.Messages;

/// <summary>
/// A message addressed to one session, with what routing decided for it: the QoS after downgrade to the
/// granted QoS, the RETAIN flag to send, and the Subscription Identifiers of the matching subscriptions.
/// This is what session queues hold and what crosses to the session actor.
/// </summary>
public sealed record QueuedMessage(BrokerMessage Message, QualityOfService QoS, bool Retain, IReadOnlyList<uint>? SubscriptionIdentifiers);
