namespace ClusterBroker.Core.Routing;

/// <summary>
/// Told by the <see cref="NodeRouter"/> when a route of this node appears (the first local subscriber of a
/// filter, the first local member of a shared group) or disappears (the last one left). Called under the
/// router's write lock, in the order the changes happen: implementations only enqueue.
/// </summary>
public interface IRouteObserver
{
    void RouteAdded(RouteKey route);

    void RouteRemoved(RouteKey route);
}
