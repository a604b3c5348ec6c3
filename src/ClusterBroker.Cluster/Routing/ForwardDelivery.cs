using Akka.Actor;
using ClusterBroker.Cluster.Messages;
using ClusterBroker.Core.Routing;
using Microsoft.Extensions.Logging;

namespace ClusterBroker.Cluster.Routing;

/// <summary>
/// Delivers what other nodes forwarded here to this node's subscribers through its router, never forwarding again (a
/// PUBLISH crosses at most one node boundary) — with one exception: a shared-group message placed here for a group
/// whose last local member left meanwhile goes on to another node that has members (a second hop, rather than losing
/// it); with none left it is dropped, counted and logged. Safe from any thread: the forward receiver and every inbound
/// forward link call it.
/// </summary>
public sealed class ForwardDelivery(NodeRouter router, ClusterRouteTable routes, ClusterMetrics metrics, ILogger logger)
{
    /// <summary>At most this many extra hops for a shared-group message whose group moved.</summary>
    public const int MaxExtraHops = NodeRouter.MaxSharedHops;

    [ThreadStatic]
    private static List<RemoteNode>? t_nodes;

    [ThreadStatic]
    private static List<ClusterRouteTable.SharedRoute>? t_shared;

    public void Deliver(IReadOnlyList<ForwardedMessage> messages)
    {
        foreach (ForwardedMessage forward in messages)
        {
            router.DeliverForwarded(forward.Message, forward.Plain, forward.Groups, forward.Hops);
            if (forward.Groups is { } groups)
            {
                foreach (RouteKey group in groups)
                {
                    if (!router.TryGetGroup(group, out _))
                    {
                        PlaceElsewhere(forward, group);
                    }
                }
            }
        }
    }

    private void PlaceElsewhere(ForwardedMessage forward, RouteKey group)
    {
        if (forward.Hops >= MaxExtraHops)
        {
            Dropped(forward, group);
            return;
        }

        List<RemoteNode> nodes = t_nodes ??= new List<RemoteNode>();
        List<ClusterRouteTable.SharedRoute> shared = t_shared ??= new List<ClusterRouteTable.SharedRoute>();
        routes.Match(forward.Message.Topic, nodes, shared);
        try
        {
            foreach (ClusterRouteTable.SharedRoute route in shared)
            {
                if (route.Group == group.Group && route.Filter == group.Filter)
                {
                    route.Node.Forward(new ForwardedMessage(forward.Message, Plain: false, [group], (byte)(forward.Hops + 1)));
                    metrics.ForwardSent(route.Node);
                    return;
                }
            }
        }
        finally
        {
            nodes.Clear();
            shared.Clear();
        }

        Dropped(forward, group);
    }

    private void Dropped(ForwardedMessage forward, RouteKey group)
    {
        metrics.SharedMessageDropped();
        logger.LogWarning(
            "Shared group {Group} ({Filter}) has no member left in the cluster: a QoS {QoS} message on {Topic} was dropped",
            group.Group, group.Filter, (int)forward.Message.QoS, forward.Message.Topic);
    }
}
