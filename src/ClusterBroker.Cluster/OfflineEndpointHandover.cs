using Akka.Actor;
using Akka.Cluster;
using ClusterBroker.Cluster.Messages;
using ClusterBroker.Cluster.Routing;
using ClusterBroker.Cluster.Sessions;
using ClusterBroker.Core;
using ClusterBroker.Core.Routing;
using Microsoft.Extensions.Logging;

namespace ClusterBroker.Cluster;

/// <summary>The step of a graceful leave that gives this node's offline persistent sessions to the other members.</summary>
internal sealed class OfflineEndpointHandover(ActorSystem system, BrokerContext context, ClusterSessionRegistry sessions, ILogger logger)
{
    /// <summary>
    /// The persistent sessions waiting on this node for their clients keep their subscriptions here: before the
    /// node leaves, each moves to another member (round robin), which subscribes it and announces the routes.
    /// </summary>
    public async Task MoveAsync()
    {
        var cluster = Akka.Cluster.Cluster.Get(system);
        Task<IActorRef>[] lookups = [.. cluster.State.Members
            .Where(m => m.Status == MemberStatus.Up && !m.UniqueAddress.Equals(cluster.SelfUniqueAddress))
            .Select(m => system.ActorSelection(new RootActorPath(m.Address) / "user" / BrokerNodeActor.Name).ResolveOne(TimeSpan.FromSeconds(3)))];
        var resolved = new List<IActorRef>();
        foreach (Task<IActorRef> lookup in lookups)
        {
            try
            {
                resolved.Add(await lookup.ConfigureAwait(false));
            }
            catch (ActorNotFoundException)
            {
                // that member is stopping too (or gone): the others take the sessions
            }
        }

        if (resolved.Count == 0)
        {
            return;
        }

        int moved = 0;
        var hosting = new Dictionary<IActorRef, int>();
        foreach (SessionEndpoint endpoint in context.Router.Endpoints())
        {
            if (endpoint.IsOnline)
            {
                continue;
            }

            List<Core.Messages.Subscription> subscriptions = context.Router.GetSubscriptions(endpoint);
            if (subscriptions.Count == 0)
            {
                continue;
            }

            IActorRef target = resolved[moved % resolved.Count];
            target.Tell(new HostSessionEndpoint(endpoint.ClientId, subscriptions));
            // From this node's actor: the entity tells a move by the node of its (just ended) connection from a stale one.
            sessions.Region.Tell(new SessionEndpointMoved(endpoint.ClientId, target), sessions.Node);
            hosting[target] = hosting.GetValueOrDefault(target) + 1;
            moved++;
        }

        if (moved == 0)
        {
            return;
        }

        // This node leaves only once every member routes the moved sessions' messages to their new nodes: until then
        // a message may be sent here alone, and this node still hands it to the session (bounded wait).
        long started = System.Diagnostics.Stopwatch.GetTimestamp();
        Task<HostedRoutesPropagated>[] barriers = [.. hosting.Select(entry => entry.Key.Ask<HostedRoutesPropagated>(
            new AwaitHostedRoutes(entry.Value), RouteReplicatorActor.PropagationTimeout + TimeSpan.FromSeconds(2)))];
        bool everywhere = true;
        foreach (Task<HostedRoutesPropagated> barrier in barriers)
        {
            try
            {
                everywhere &= (await barrier.ConfigureAwait(false)).Everywhere;
            }
            catch (AskTimeoutException)
            {
                everywhere = false;
            }
        }

        if (everywhere)
        {
            logger.LogInformation("Moved the subscriptions of {Count} offline persistent session(s) to the other node(s); their routes reached every node in {Elapsed:F0} ms", moved, System.Diagnostics.Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        }
        else
        {
            logger.LogWarning("Moved the subscriptions of {Count} offline persistent session(s) to the other node(s), but their routes did not reach every node within {Timeout} s: a message published meanwhile may have been routed only to this node, which is leaving", moved, RouteReplicatorActor.PropagationTimeout.TotalSeconds);
        }
    }
}
