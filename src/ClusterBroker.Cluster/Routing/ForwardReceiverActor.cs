using Akka.Actor;
using ClusterBroker.Cluster.Messages;
using ClusterBroker.Core.Routing;
using Microsoft.Extensions.Logging;

namespace ClusterBroker.Cluster.Routing;

/// <summary>
/// Receives the messages other nodes forward here and delivers them to this node's subscribers through its
/// router, never forwarding again (a PUBLISH crosses at most one node boundary) — with one exception: a
/// shared-group message placed here for a group whose last local member left meanwhile goes on to another
/// node that has members (a second hop, rather than losing it); with none left it is dropped, counted and logged.
/// </summary>
public sealed class ForwardReceiverActor : UntypedActor
{
    public const string Name = "cluster-forwards";

    private readonly NodeRouter _router;
    private readonly ClusterRouteTable _routes;
    private readonly ClusterMetrics _metrics;
    private readonly ILogger _logger;
    private readonly List<RemoteNode> _nodes = new();
    private readonly List<ClusterRouteTable.SharedRoute> _shared = new();

    public ForwardReceiverActor(NodeRouter router, ClusterRouteTable routes, ClusterMetrics metrics, ILogger logger)
    {
        _router = router;
        _routes = routes;
        _metrics = metrics;
        _logger = logger;
    }

    public static Props Props(NodeRouter router, ClusterRouteTable routes, ClusterMetrics metrics, ILogger logger) =>
        Akka.Actor.Props.Create(() => new ForwardReceiverActor(router, routes, metrics, logger));

    protected override void OnReceive(object message)
    {
        switch (message)
        {
            case ForwardBatch batch:
                _metrics.AddForwardsReceived(batch.Messages.Count);
                Deliver(batch.Messages);
                break;
            case ForwardMarker marker:
                // Everything its sender forwarded here before it is delivered: the node actor waits for it.
                Context.ActorSelection("/user/" + BrokerNodeActor.Name).Tell(marker);
                break;
            case SharedMessagesOfCrashedNode crashed:
                _logger.LogInformation(
                    "Crash replay: {Count} shared-group message(s) placed on {Node} shortly before it crashed go to other members",
                    crashed.Messages.Count, crashed.DeadNode);
                Deliver(crashed.Messages);
                break;
            default:
                Unhandled(message);
                break;
        }
    }

    private void Deliver(IReadOnlyList<ForwardedMessage> messages)
    {
        foreach (ForwardedMessage forward in messages)
        {
            _router.DeliverForwarded(forward.Message, forward.Plain, forward.Groups, forward.Hops);
            if (forward.Groups is { } groups)
            {
                foreach (RouteKey group in groups)
                {
                    if (!_router.TryGetGroup(group, out _))
                    {
                        PlaceElsewhere(forward, group);
                    }
                }
            }
        }
    }

    /// <summary>At most this many extra hops for a shared-group message whose group moved.</summary>
    public const int MaxExtraHops = NodeRouter.MaxSharedHops;

    private void PlaceElsewhere(ForwardedMessage forward, RouteKey group)
    {
        if (forward.Hops >= MaxExtraHops)
        {
            Dropped(forward, group);
            return;
        }

        _routes.Match(forward.Message.Topic, _nodes, _shared);
        try
        {
            foreach (ClusterRouteTable.SharedRoute route in _shared)
            {
                if (route.Group == group.Group && route.Filter == group.Filter)
                {
                    route.Node.Sender.Tell(new ForwardedMessage(forward.Message, Plain: false, [group], (byte)(forward.Hops + 1)), ActorRefs.NoSender);
                    _metrics.ForwardSent(route.Node);
                    return;
                }
            }
        }
        finally
        {
            _nodes.Clear();
            _shared.Clear();
        }

        Dropped(forward, group);
    }

    private void Dropped(ForwardedMessage forward, RouteKey group)
    {
        _metrics.SharedMessageDropped();
        _logger.LogWarning(
            "Shared group {Group} ({Filter}) has no member left in the cluster: a QoS {QoS} message on {Topic} was dropped",
            group.Group, group.Filter, (int)forward.Message.QoS, forward.Message.Topic);
    }
}
