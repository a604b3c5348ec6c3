using ClusterBroker.Core.Messages;

namespace ClusterBroker.Core.Routing;

/// <summary>A member of a shared group: the session and its subscription options.</summary>
public readonly record struct SharedMember(SessionEndpoint Endpoint, Subscription Subscription);
