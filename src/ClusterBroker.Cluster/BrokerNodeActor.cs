using Akka.Actor;
using ClusterBroker.Cluster.Messages;
using ClusterBroker.Core;
using ClusterBroker.Core.Routing;

namespace ClusterBroker.Cluster;

/// <summary>
/// One per node: the address session entities use to reach this node's connections and router (close a
/// connection on takeover, hand over a message, publish a delayed Will, forget an expired session). A thin
/// shell over Core's <see cref="BrokerContext"/>; it never holds per-connection state.
/// </summary>
public sealed class BrokerNodeActor : ReceiveActor
{
    public BrokerNodeActor(BrokerContext context, Func<IActorRef> sessionRegion)
    {
        Receive<DisconnectConnection>(m => context.Connections.Disconnect(m.ConnectionId, m.ReasonCode));
        Receive<DeliverToConnection>(m =>
        {
            if (!context.Connections.Deliver(m.ConnectionId, m.Message))
            {
                sessionRegion().Tell(new EnqueueMessage(m.ClientId, m.Message, Bounced: true));
            }
        });
        Receive<PublishWill>(m => context.Publish(m.Message));
        Receive<SessionExpired>(m =>
        {
            if (context.Router.TryGetEndpoint(m.ClientId, out SessionEndpoint endpoint) && !endpoint.IsOnline)
            {
                context.Router.RemoveEndpoint(endpoint);
            }
        });
    }

    public static Props Props(BrokerContext context, Func<IActorRef> sessionRegion) =>
        Akka.Actor.Props.Create(() => new BrokerNodeActor(context, sessionRegion));
}
