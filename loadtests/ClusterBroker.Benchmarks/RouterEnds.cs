using ClusterBroker.Core.Messages;
using ClusterBroker.Core.Routing;
using ClusterBroker.Core.Sessions;

namespace ClusterBroker.Benchmarks;

/// <summary>A connection that takes every delivery and sends nothing: the router's work is what is measured.</summary>
internal sealed class DiscardingTarget : IDeliveryTarget
{
    public bool TryDeliver(in Delivery delivery) => true;
}

/// <summary>No session owner behind the router: the benchmarks' subscribers are online, nothing is queued.</summary>
internal sealed class NoSessions : ISessionRegistry
{
    public Task<SessionAttachResult> AttachAsync(SessionAttachRequest request, CancellationToken cancellationToken) => throw new NotSupportedException();

    public void Detach(SessionDetachRequest request)
    {
    }

    public void EnqueueOffline(string clientId, QueuedMessage message)
    {
    }
}
