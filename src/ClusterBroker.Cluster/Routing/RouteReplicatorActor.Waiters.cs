using Akka.Actor;
using Akka.Cluster;
using ClusterBroker.Cluster.Messages;
using Microsoft.Extensions.Logging;

namespace ClusterBroker.Cluster.Routing;

/// <summary>The replicator's answers to those who wait: for the others' routes (a joining node), and for this node's route changes to be applied everywhere (a barrier).</summary>
public sealed partial class RouteReplicatorActor
{
    /// <summary>How often a node waiting for the others' routes asks again those whose snapshot has not come.</summary>
    private static readonly TimeSpan MissingSnapshotRetry = TimeSpan.FromSeconds(1);

    /// <summary>
    /// A snapshot a member sent while this node was joining can be lost (Akka remoting's association to a new node is
    /// not there yet): while someone waits for the routes, ask the members whose snapshot has not come again.
    /// </summary>
    private void OnAskMissingSnapshots()
    {
        if (_syncWaiters.Count == 0)
        {
            Timers.Cancel(AskMissingSnapshots.Instance);
            return;
        }

        foreach (Member member in _cluster.State.Members)
        {
            if (member.Status == MemberStatus.Up && !member.UniqueAddress.Equals(_cluster.SelfUniqueAddress)
                && (!_origins.TryGetValue(member.UniqueAddress, out Origin? origin) || !origin.Received.Synced))
            {
                _logger.LogDebug("Routes: no snapshot from {Member} yet; asking it again", member.Address);
                ReplicatorOf(member.Address).Tell(new RequestRouteSnapshot(_cluster.SelfUniqueAddress), Self);
            }
        }
    }

    /// <summary>Answers those waiting for the routes of every other Up member (a joining node before it listens).</summary>
    private void AnswerSyncWaiters()
    {
        if (_syncWaiters.Count == 0)
        {
            return;
        }

        foreach (Member member in _cluster.State.Members)
        {
            if (member.Status == MemberStatus.Up && !member.UniqueAddress.Equals(_cluster.SelfUniqueAddress)
                && (!_origins.TryGetValue(member.UniqueAddress, out Origin? origin) || !origin.Received.Synced))
            {
                return;
            }
        }

        foreach (IActorRef waiter in _syncWaiters)
        {
            waiter.Tell(RoutesSynced.Instance);
        }

        _syncWaiters.Clear();
    }

    /// <summary>How long a propagation barrier waits at most (a slow or dying member must not hold sessions up).</summary>
    public static readonly TimeSpan PropagationTimeout = TimeSpan.FromSeconds(5);

    /// <summary>Answers the barriers whose sequence every other member has applied (or whose deadline passed).</summary>
    private void AnswerPropagationWaiters()
    {
        DateTime now = DateTime.UtcNow;
        for (int i = _propagationWaiters.Count - 1; i >= 0; i--)
        {
            (long sequence, IActorRef replyTo, DateTime deadline) = _propagationWaiters[i];
            bool applied = true;
            foreach (Origin origin in _origins.Values)
            {
                if (origin.AppliedByIt < sequence)
                {
                    applied = false;
                    break;
                }
            }

            if (applied || now >= deadline)
            {
                replyTo.Tell(applied ? RoutesPropagated.Everywhere : RoutesPropagated.TimedOut);
                _propagationWaiters.RemoveAt(i);
            }
        }

        if (_propagationWaiters.Count == 0)
        {
            Timers.Cancel(CheckPropagation.Instance);
        }
    }

    /// <summary>
    /// Ask: answered with <see cref="RoutesPropagated"/> once every other member applied this node's route
    /// changes made so far (a barrier), or after <see cref="PropagationTimeout"/>.
    /// </summary>
    public sealed class AwaitPropagation
    {
        public static readonly AwaitPropagation Instance = new();
    }

    public sealed record RoutesPropagated(bool IsEverywhere)
    {
        public static readonly RoutesPropagated Everywhere = new(true);
        public static readonly RoutesPropagated TimedOut = new(false);
    }

    private sealed class AskMissingSnapshots
    {
        public static readonly AskMissingSnapshots Instance = new();
    }

    private sealed class CheckPropagation
    {
        public static readonly CheckPropagation Instance = new();
    }

    /// <summary>Ask: answered with <see cref="RoutesSynced"/> once every other Up member's routes arrived.</summary>
    public sealed class AwaitRoutesSynced
    {
        public static readonly AwaitRoutesSynced Instance = new();
    }

    public sealed class RoutesSynced
    {
        public static readonly RoutesSynced Instance = new();
    }
}
