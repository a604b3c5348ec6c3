using Akka.Actor;
using Akka.Cluster.Sharding;
using ClusterBroker.Cluster.Routing;
using Microsoft.Extensions.Logging;

namespace ClusterBroker.Cluster;

/// <summary>
/// What a starting node waits for before it serves clients, in this order: membership (it formed or joined the
/// cluster and is Up), session sharding (a shard can be allocated), and the other members' routes.
/// </summary>
internal static class NodeStartupWaits
{
    private static readonly TimeSpan JoinTimeout = TimeSpan.FromSeconds(60);

    /// <summary>Forms a new cluster or joins the seeds, and waits until this node is Up.</summary>
    public static async Task JoinAsync(ActorSystem system, ClusterOptions options, ILogger logger, CancellationToken cancellationToken)
    {
        var cluster = Akka.Cluster.Cluster.Get(system);
        var up = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        cluster.RegisterOnMemberUp(() => up.TrySetResult());
        if (options.FormsOwnCluster())
        {
            logger.LogInformation("Cluster: forming a new cluster '{Name}' at {Address} (no other seed node given)", options.Name, cluster.SelfAddress);
            cluster.Join(cluster.SelfAddress);
        }
        else
        {
            // Akka's seed-node process: the first seed forms the cluster only when none of the others answers,
            // so a restarted first seed rejoins a running cluster instead of forming a second one.
            var seeds = options.ParseSeedNodes().Select(s => new Address("akka.tcp", options.Name, s.Host, s.Port)).ToList();
            logger.LogInformation("Cluster: joining '{Name}' through seed node(s) {Seeds} as {Address}", options.Name, string.Join(", ", seeds), cluster.SelfAddress);
            cluster.JoinSeedNodes(seeds);
        }

        try
        {
            await up.Task.WaitAsync(JoinTimeout, cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            throw new TimeoutException($"This node did not become a member of cluster '{options.Name}' within {JoinTimeout.TotalSeconds:0} s: no seed node ({options.SeedNodes}) answered. Check the seed list, the cluster name and that the cluster port is reachable.");
        }
    }

    /// <summary>
    /// Starts one entity through the region and waits for its acknowledgement, retrying: this proves the
    /// region registered with the shard coordinator and a shard can be allocated, so the first CONNECT
    /// neither pays for coordinator start-up nor times out on it. The warm-up entity is an ordinary, empty session.
    /// </summary>
    /// <remarks>
    /// A node the cluster downs while it starts (its actor system terminates) stops retrying at once and fails to start,
    /// so that its process exits and a restart can join again, instead of retrying for a minute without a cluster.
    /// </remarks>
    public static async Task WarmUpShardingAsync(ActorSystem system, IActorRef region, ILogger logger, CancellationToken cancellationToken)
    {
        const int attempts = 12;
        for (int attempt = 1; ; attempt++)
        {
            try
            {
                await region.Ask<object>(
                    new ShardRegion.StartEntity("$cluster-broker-warm-up"), TimeSpan.FromSeconds(5), cancellationToken).ConfigureAwait(false);
                return;
            }
            catch (AskTimeoutException) when (attempt < attempts && !system.WhenTerminated.IsCompleted)
            {
                logger.LogInformation("Session sharding not ready yet (attempt {Attempt} of {Attempts}); retrying", attempt, attempts);
            }
            catch (AskTimeoutException) when (system.WhenTerminated.IsCompleted)
            {
                throw new InvalidOperationException("This node was removed from the cluster (downed) while it started: its actor system terminated before session sharding was ready.");
            }
        }
    }

    /// <summary>A joining node serves clients once it knows the other members' routes (bounded wait).</summary>
    public static async Task AwaitRoutesAsync(IActorRef replicator, ILogger logger)
    {
        try
        {
            await replicator.Ask<RouteReplicatorActor.RoutesSynced>(RouteReplicatorActor.AwaitRoutesSynced.Instance, TimeSpan.FromSeconds(15)).ConfigureAwait(false);
        }
        catch (AskTimeoutException)
        {
            logger.LogWarning("Routes of some members did not arrive within 15 s; serving clients anyway (they follow as deltas)");
        }
    }
}
