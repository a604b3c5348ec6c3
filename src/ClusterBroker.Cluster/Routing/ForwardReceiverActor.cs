using Akka.Actor;
using ClusterBroker.Cluster.Messages;
using ClusterBroker.Core.Routing;
using Microsoft.Extensions.Logging;

namespace ClusterBroker.Cluster.Routing;

/// <summary>
/// Receives the messages other nodes forward here through Akka remoting (a node without forward links, and a crashed
/// node's shared-group messages placed again) and hands them to <see cref="ForwardDelivery"/>; a
/// <see cref="ForwardMarker"/> goes on to the node actor behind them.
/// </summary>
public sealed class ForwardReceiverActor : UntypedActor
{
    public const string Name = "cluster-forwards";

    private readonly ForwardDelivery _delivery;
    private readonly ClusterMetrics _metrics;
    private readonly ILogger _logger;

    public ForwardReceiverActor(ForwardDelivery delivery, ClusterMetrics metrics, ILogger logger)
    {
        _delivery = delivery;
        _metrics = metrics;
        _logger = logger;
    }

    public static Props Props(ForwardDelivery delivery, ClusterMetrics metrics, ILogger logger) =>
        Akka.Actor.Props.Create(() => new ForwardReceiverActor(delivery, metrics, logger));

    /// <summary>Where a <see cref="ForwardMarker"/> goes once everything forwarded before it is delivered.</summary>
    public static string MarkerDestination => "/user/" + BrokerNodeActor.Name;

    protected override void OnReceive(object message)
    {
        switch (message)
        {
            case ForwardBatch batch:
                _metrics.AddForwardsReceived(batch.Messages.Count);
                _delivery.Deliver(batch.Messages);
                break;
            case ForwardMarker marker:
                // Everything its sender forwarded here before it is delivered: the node actor waits for it.
                Context.ActorSelection(MarkerDestination).Tell(marker);
                break;
            case SharedMessagesOfCrashedNode crashed:
                _logger.LogInformation(
                    "Crash replay: {Count} shared-group message(s) placed on {Node} shortly before it crashed go to other members",
                    crashed.Messages.Count, crashed.DeadNode);
                _delivery.Deliver(crashed.Messages);
                break;
            default:
                Unhandled(message);
                break;
        }
    }
}
