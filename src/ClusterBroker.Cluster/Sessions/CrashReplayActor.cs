using Akka.Actor;
using ClusterBroker.Cluster.Messages;
using ClusterBroker.Core.Messages;
using ClusterBroker.Core.Routing;
using ClusterBroker.Core.Sessions;
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
/// flagged DUP: it is a new delivery to the session). Shared subscriptions are left out of this per-session replay:
/// what was placed on the dead node for a group goes back to a member elsewhere (the forward sender's hand-over).
/// Messages published on the crashed node itself no survivor saw: one survivor (the one the replicator names, the
/// lowest address) reads them from the dead node's publish journal (<see cref="IPublishJournal"/>, written before
/// their acknowledgement) and routes them again as <see cref="BrokerMessage.Replayed"/>: to the persistent sessions
/// of every node, to one member of each matching shared group (at least once), and, through the dead node's kept
/// routes, into this replay for the sessions continued from it.
/// Requests for a dead node are answered only once the journal of that node was routed again here.
/// </remarks>
public sealed class CrashReplayActor : UntypedActor, IWithTimers
{
    public const string Name = "crash-replay";

    /// <summary>How long the messages of a crashed node, and the requests waiting for them, are kept.</summary>
    public static readonly TimeSpan Keep = TimeSpan.FromMinutes(2);

    /// <summary>At most this many messages are kept per crashed node (older ones are counted and logged as not kept).</summary>
    public const int Capacity = 200_000;

    private readonly ClusterSessionRegistry _sessions;
    private readonly NodeRouter _router;
    private readonly IPublishJournal? _journal;
    private readonly ILogger _logger;
    private readonly Dictionary<string, DeadNodeForwards> _byDeadNode = new(StringComparer.Ordinal);

    /// <param name="sessions">Where replayed messages go: its session region, bound once sharding started (before any session can ask).</param>
    public CrashReplayActor(ClusterSessionRegistry sessions, NodeRouter router, IPublishJournal? journal, ILogger logger)
    {
        _sessions = sessions;
        _router = router;
        _journal = journal;
        _logger = logger;
    }

    public ITimerScheduler Timers { get; set; } = null!;

    public static Props Props(ClusterSessionRegistry sessions, NodeRouter router, IPublishJournal? journal, ILogger logger) =>
        Akka.Actor.Props.Create(() => new CrashReplayActor(sessions, router, journal, logger));

    protected override void OnReceive(object message)
    {
        switch (message)
        {
            case NodeCrashed m:
                OnNodeCrashed(m);
                break;
            case JournalRead m:
                OnJournalRead(m);
                break;
            case JournalReplayed m:
                DeadNodeForwards replayed = Of(m.DeadNode);
                replayed.JournalPending = false;
                AnswerWaiting(replayed);
                break;
            case ForwardsToCrashedNode m:
                OnHandedOver(m);
                break;
            case Routing.OrphanedForward m:
                // Published after the node was downed, toward its kept routes: after what it was sent before (the
                // hand-over may come later, from the forward sender, and goes in front).
                DeadNodeForwards orphans = Of(m.DeadNode);
                ReplayLate(orphans, m);
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
                if (forwards.Ready)
                {
                    Replay(m, forwards.Messages);
                }
                else
                {
                    // asked before this node saw it downed, or before its journal was routed again: answered then
                    forwards.Waiting.Add(m);
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

        AnswerWaiting(forwards);
    }

    /// <summary>
    /// A message routed to the dead node's kept routes before a session was answered, but arriving after (the publishing
    /// thread chose the kept route before the session's own route reached it, then was preempted before telling this
    /// actor): that session gets it now, or it would be lost to it. Messages routed after the answer are not given: by
    /// then the session's own routes are everywhere, and it gets them that way.
    /// </summary>
    private void ReplayLate(DeadNodeForwards forwards, Routing.OrphanedForward late)
    {
        foreach ((ReplayToSession answered, long answeredAt) in forwards.Answered)
        {
            if (late.RoutedAt < answeredAt && Match(answered, late.Message) is { } queued)
            {
                _sessions.Region.Tell(new EnqueueMessage(answered.ClientId, queued));
                _logger.LogInformation("Crash replay: a message routed toward {Node} before client {ClientId} was answered arrived after; queued for it now", late.DeadNode, answered.ClientId);
            }
        }
    }

    private void AnswerWaiting(DeadNodeForwards forwards)
    {
        if (!forwards.Ready)
        {
            return;
        }

        foreach (ReplayToSession request in forwards.Waiting)
        {
            Replay(request, forwards.Messages);
        }

        forwards.Waiting.Clear();
    }

    /// <summary>Comes before the forward sender's hand-over (the replicator tells this first): when this node reads the dead node's journal, requests wait for it.</summary>
    private void OnNodeCrashed(NodeCrashed m)
    {
        if (!m.ReadJournal || _journal is null)
        {
            return;
        }

        Of(m.DeadNode).JournalPending = true;
        string dead = m.DeadNode;
        _journal.ReadAsync(dead).PipeTo(
            Self,
            success: messages => new JournalRead(dead, messages, null),
            failure: ex => new JournalRead(dead, [], ex));
    }

    /// <summary>
    /// Routes again what the dead node wrote to its journal during its last moments. Matching its kept routes, a message
    /// comes back here as an <see cref="Routing.OrphanedForward"/> before <see cref="JournalReplayed"/> (told after,
    /// from this actor), so every waiting request is answered with it.
    /// </summary>
    private void OnJournalRead(JournalRead m)
    {
        if (m.Error is not null)
        {
            _logger.LogError(
                "Crash replay: could not read the publish journal of {Node} ({Reason}): what it acknowledged in its last moments and had not passed on is lost for its subscribers",
                m.DeadNode, m.Error.GetBaseException().Message);
        }

        int routed = 0;
        foreach (BrokerMessage message in m.Messages)
        {
            if (_router.Publish(message with { Replayed = true, ReceivedTimestamp = 0 }) > 0)
            {
                routed++;
            }
        }

        _logger.LogInformation(
            "Crash replay: routed again {Count} QoS 1/2 message(s) that {Node} acknowledged in its last moments (its publish journal), {Routed} of them to persistent sessions",
            m.Messages.Count, m.DeadNode, routed);

        Self.Tell(new JournalReplayed(m.DeadNode));
        if (m.Error is null)
        {
            _journal!.DeleteAsync(m.DeadNode).ContinueWith(
                static (task, state) => ((ILogger)state!).LogWarning("Crash replay: a replayed publish journal was not deleted ({Reason}); it expires by itself", task.Exception?.GetBaseException().Message),
                _logger,
                TaskContinuationOptions.OnlyOnFaulted);
        }
    }

    private void Replay(ReplayToSession request, List<BrokerMessage> forwards)
    {
        Of(request.DeadNode).Answered.Add((request, System.Diagnostics.Stopwatch.GetTimestamp()));
        int replayed = 0;
        foreach (BrokerMessage forwarded in forwards)
        {
            if (Match(request, forwarded) is { } queued)
            {
                _sessions.Region.Tell(new EnqueueMessage(request.ClientId, queued));
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

    private sealed record JournalRead(string DeadNode, IReadOnlyList<BrokerMessage> Messages, Exception? Error);

    private sealed record JournalReplayed(string DeadNode);

    /// <summary>What this node keeps for the sessions of one crashed node, and the requests waiting for its hand-over.</summary>
    private sealed class DeadNodeForwards
    {
        public List<BrokerMessage> Messages { get; } = new();

        public List<ReplayToSession> Waiting { get; } = new();

        /// <summary>Sessions already given their replay: late messages for the kept routes go to them too.</summary>
        public List<(ReplayToSession Request, long AnsweredAt)> Answered { get; } = new();

        /// <summary>The forward sender handed over what it sent the node before it was downed.</summary>
        public bool HandedOver { get; set; }

        /// <summary>This node reads the dead node's publish journal and has not routed it again yet.</summary>
        public bool JournalPending { get; set; }

        /// <summary>Requests can be answered: everything there is to give is here.</summary>
        public bool Ready => HandedOver && !JournalPending;

        /// <summary>Messages that matched the node's kept routes after it was downed.</summary>
        public long Orphaned { get; set; }

        public long Dropped { get; set; }
    }
}

/// <summary>Local, from the route replicator: a node crashed (was downed); <paramref name="ReadJournal"/> when this node routes its journal again.</summary>
internal sealed record NodeCrashed(string DeadNode, bool ReadJournal);

/// <summary>Local: the recent forwards of a node that crashed (was downed), from its forward sender.</summary>
internal sealed record ForwardsToCrashedNode(string DeadNode, List<BrokerMessage> Messages, long Dropped);
