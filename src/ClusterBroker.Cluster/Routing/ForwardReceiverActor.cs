using Akka.Actor;
using ClusterBroker.Cluster.Messages;
using ClusterBroker.Core.Routing;

namespace ClusterBroker.Cluster.Routing;

/// <summary>
/// Receives the messages other nodes forward here and delivers them to this node's subscribers through its
/// router, never forwarding again (a PUBLISH crosses at most one node boundary).
/// </summary>
public sealed class ForwardReceiverActor : UntypedActor
{
    public const string Name = "cluster-forwards";

    private readonly NodeRouter _router;
    private readonly ClusterMetrics _metrics;

    public ForwardReceiverActor(NodeRouter router, ClusterMetrics metrics)
    {
        _router = router;
        _metrics = metrics;
    }

    public static Props Props(NodeRouter router, ClusterMetrics metrics) =>
        Akka.Actor.Props.Create(() => new ForwardReceiverActor(router, metrics));

    protected override void OnReceive(object message)
    {
        if (message is not ForwardBatch batch)
        {
            Unhandled(message);
            return;
        }

        _metrics.AddForwardsReceived(batch.Messages.Count);
        foreach (ForwardedMessage forward in batch.Messages)
        {
            _router.DeliverForwarded(forward.Message, forward.Plain, forward.Groups);
        }
    }
}
