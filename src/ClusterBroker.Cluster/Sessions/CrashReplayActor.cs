using Akka.Actor;
using ClusterBroker.Cluster.Messages;
using ClusterBroker.Core.Messages;
using ClusterBroker.Protocol;
using ClusterBroker.Topics;
using Microsoft.Extensions.Logging;

namespace ClusterBroker.Cluster.Sessions;

/// <summary>
/// One per node with durable sessions (/user/crash-replay). When another node crashes, the messages this node
/// forwarded to it during the last moments (<see cref="RecentForwards"/>: the failure detector needs seconds to
/// notice, and its sessions' routes lead there until it is downed) are kept here for <see cref="Keep"/>, and so
/// are the messages published after it was downed that matched its routes, which stay for a moment
/// (<see cref="Routing.OrphanedRoutes"/>) while its sessions continue elsewhere. Each session continued from that
/// node asks every node (<see cref="ReplayToSession"/>) once its own routes are everywhere, and gets, queued in its
/// session, those that match its subscriptions. A request that comes before the node was downed waits for it.
/// </summary>
/// <remarks>
/// What this gives is at least once: a message the crashed node had already delivered is delivered again (not
/// flagged DUP: it is a new delivery to the session). Shared subscriptions are left out: their messages went to one
/// member of the group, and a replay would repeat them to another. Messages published on the crashed node itself
/// are not here (no survivor saw them).
/// </remarks>
public sealed class CrashReplayActor : UntypedActor, IWithTimers
{
    public const string Name = "crash-replay";

    /// <summary>How long the messages of a crashed node, and the requests waiting for them, are kept.</summary>
    public static readonly TimeSpan Keep = TimeSpan.FromMinutes(2);

    /// <summary>At most this many messages are kept per crashed node (older ones are counted and logged as not kept).</summary>
    public const int Capacity = 200_000;

    private readonly IActorRef _sessions;
    private readonly ILogger _logger;
    private readonly Dictionary<string, DeadNodeForwards> _byDeadNode = new(StringComparer.Ordinal);

    public CrashReplayActor(IActorRef sessions, ILogger logger)
    {
        _sessions = sessions;
        _logger = logger;
    }

    public ITimerScheduler Timers { get; set; } = null!;

    public static Props Props(IActorRef sessions, ILogger logger) => Akka.Actor.Props.Create(() => new CrashReplayActor(sessions, logger));

    protected override void OnReceive(object message)
    {
        switch (message)
        {
            case ForwardsToCrashedNode m:
                OnHandedOver(m);
                break;
            case Routing.OrphanedForward m:
                // Published after the node was downed, toward its kept routes: after what it was sent before (the
                // hand-over may come later, from the forward sender, and goes in front).
                DeadNodeForwards orphans = Of(m.DeadNode);
                if (orphans.Messages.Count < Capacity)
                {
                    orphans.Messages.Add(m.Message);
                    orphans.Orphaned++;
                }
                else if (orphans.Dropped++ == 0)
                {
                    _logger.LogWarning("Crash replay: more than {Capacity} messages kept for the sessions of {Node}; later ones are not kept (counted in the log when they are handed out)", Capacity, m.DeadNode);
                }

                break;
            case ReplayToSession m:
                DeadNodeForwards forwards = Of(m.DeadNode);
                if (forwards.HandedOver)
                {
                    Replay(m, forwards.Messages);
                }
                else
                {
                    forwards.Waiting.Add(m); // asked before this node saw it downed: answered at the hand-over
                }

                break;
            case Forget m:
                _byDeadNode.Remove(m.DeadNode);
                break;
            default:
                Unhandled(message);
                break;
        }
    }

    private DeadNodeForwards Of(string deadNode)
    {
        if (!_byDeadNode.TryGetValue(deadNode, out DeadNodeForwards? forwards))
        {
            _byDeadNode.Add(deadNode, forwards = new DeadNodeForwards());
            Timers.StartSingleTimer("forget-" + deadNode, new Forget(deadNode), Keep);
        }

        return forwards;
    }

    private void OnHandedOver(ForwardsToCrashedNode m)
    {
        DeadNodeForwards forwards = Of(m.DeadNode);
        forwards.Messages.InsertRange(0, m.Messages);
        forwards.HandedOver = true;
        forwards.Dropped += m.Dropped;
        if (m.Messages.Count > 0 || m.Dropped > 0)
        {
            _logger.LogInformation(
                "Crash replay: kept the {Count} QoS 1/2 message(s) this node forwarded to {Node} in its last moments, for the sessions continued from it{Dropped}",
                m.Messages.Count, m.DeadNode, m.Dropped > 0 ? $" ({m.Dropped} older ones beyond the capacity were not kept)" : "");
        }

        foreach (ReplayToSession request in forwards.Waiting)
        {
            Replay(request, forwards.Messages);
        }

        forwards.Waiting.Clear();
    }

    private void Replay(ReplayToSession request, List<BrokerMessage> forwards)
    {
        int replayed = 0;
        foreach (BrokerMessage forwarded in forwards)
        {
            if (Match(request, forwarded) is { } queued)
            {
                _sessions.Tell(new EnqueueMessage(request.ClientId, queued));
                replayed++;
            }
        }

        if (replayed > 0)
        {
            _logger.LogInformation("Crash replay: {Count} message(s) forwarded to {Node} before it crashed queued again for client {ClientId}", replayed, request.DeadNode, request.ClientId);
        }
    }

    /// <summary>The message as the session's subscriptions make it (highest QoS among the matches), or null when none matches.</summary>
    private static QueuedMessage? Match(ReplayToSession request, BrokerMessage message)
    {
        Subscription? best = null;
        List<uint>? identifiers = null;
        foreach (Subscription subscription in request.Subscriptions)
        {
            if (subscription.Filter.StartsWith("$share/", StringComparison.Ordinal) || subscription.Filter.StartsWith("$queue/", StringComparison.Ordinal)
                || (subscription.NoLocal && message.PublisherId == request.ClientId) || !TopicMatcher.IsMatch(subscription.Filter, message.Topic))
            {
                continue;
            }

            if (best is null || subscription.QoS > best.QoS)
            {
                best = subscription;
            }

            if (subscription.SubscriptionIdentifier is uint id)
            {
                (identifiers ??= new List<uint>()).Add(id);
            }
        }

        if (best is null)
        {
            return null;
        }

        QualityOfService qos = message.QoS < best.QoS ? message.QoS : best.QoS;
        return new QueuedMessage(message, qos, best.RetainAsPublished && message.Retain, identifiers);
    }

    private sealed record Forget(string DeadNode);

    /// <summary>What this node keeps for the sessions of one crashed node, and the requests waiting for its hand-over.</summary>
    private sealed class DeadNodeForwards
    {
        public List<BrokerMessage> Messages { get; } = new();

        public List<ReplayToSession> Waiting { get; } = new();

        /// <summary>The forward sender handed over what it sent the node before it was downed.</summary>
        public bool HandedOver { get; set; }

        /// <summary>Messages that matched the node's kept routes after it was downed.</summary>
        public long Orphaned { get; set; }

        public long Dropped { get; set; }
    }
}

/// <summary>Local: the recent forwards of a node that crashed (was downed), from its forward sender.</summary>
internal sealed record ForwardsToCrashedNode(string DeadNode, List<BrokerMessage> Messages, long Dropped);
