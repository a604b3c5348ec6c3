namespace ClusterBroker.Core.Routing;

/// <summary>An online connection that accepts deliveries from any thread (the channel).</summary>
public interface IDeliveryTarget
{
    /// <summary>Queues the delivery for the connection's executor; false when the connection has ended.</summary>
    bool TryDeliver(in Delivery delivery);
}
