using Akka.Actor;
using Akka.Cluster;
using ClusterBroker.Cluster.Links;
using ClusterBroker.Cluster.Messages;
using ClusterBroker.Core.Routing;
using Microsoft.Extensions.Logging;

namespace ClusterBroker.Cluster.Routing;

/// <summary>
/// Replicates routes between nodes (design.md section 2): this node's route changes go to every other
/// member as batched deltas with a per-origin sequence number; a member that comes up gets a snapshot; a
/// receiver that sees a gap asks for one; a member that leaves or is downed has its routes purged. Also
/// owns one <see cref="ForwardSenderActor"/> per other member. Not Akka DistributedData: route counts may
/// reach millions, and a route is one (filter, node) entry, cheap to stream.
/// </summary>
public sealed partial class RouteReplicatorActor : UntypedActor, IWithTimers
{
    public const string Name = "cluster-routes";

    /// <summary>Routes per snapshot part: well below the transport's frame limit even for long filters.</summary>
    public const int SnapshotPartSize = 500;

    private readonly NodeRouter _router;
    private readonly ClusterRouteTable _table;
    private readonly ClusterMetrics _metrics;
    private readonly ILogger _logger;
    private readonly Akka.Cluster.Cluster _cluster;
    private readonly Dictionary<UniqueAddress, Origin> _origins = new();

    /// <summary>Members whose MemberUp this actor handled (the cluster's read view may list them a moment later).</summary>
    private readonly HashSet<UniqueAddress> _upSeen = new();
    private readonly EarlyRouteMessages _early = new();
    private readonly Serialization.ClusterBrokerSerializer _serializer;
    private readonly List<RouteChange> _pending = new();
    private readonly List<IActorRef> _syncWaiters = new();
    private readonly List<(long Sequence, IActorRef ReplyTo, DateTime Deadline)> _propagationWaiters = new();
    private long _sequence;
    private bool _flushQueued;

    public RouteReplicatorActor(NodeRouter router, ClusterRouteTable table, ClusterMetrics metrics, ILogger logger, TimeSpan crashReplayWindow, IActorRef? crashReplay)
    {
        _crashReplayWindow = crashReplayWindow;
        _crashReplay = crashReplay;
        _router = router;
        _table = table;
        _metrics = metrics;
        _logger = logger;
        _cluster = Akka.Cluster.Cluster.Get(Context.System);
        _serializer = (Serialization.ClusterBrokerSerializer)Context.System.Serialization.FindSerializerForType(typeof(ForwardBatch));
    }

    public ITimerScheduler Timers { get; set; } = null!;

    /// <param name="crashReplayWindow">How long forwards are kept for a crash of their destination (durable sessions; zero = not kept).</param>
    /// <param name="crashReplay">This node's <see cref="Sessions.CrashReplayActor"/> (durable sessions), or null.</param>
    public static Props Props(NodeRouter router, ClusterRouteTable table, ClusterMetrics metrics, ILogger logger, TimeSpan crashReplayWindow = default, IActorRef? crashReplay = null) =>
        Akka.Actor.Props.Create(() => new RouteReplicatorActor(router, table, metrics, logger, crashReplayWindow, crashReplay));

    private readonly TimeSpan _crashReplayWindow;
    private readonly IActorRef? _crashReplay;

    /// <summary>The name of the <see cref="ForwardSenderActor"/> (a child of this actor) that forwards to <paramref name="destination"/>.</summary>
    public static string ForwardSenderName(UniqueAddress destination) =>
        "forward-" + Uri.EscapeDataString(destination.Address.HostPort()) + "-" + destination.Uid.ToString(System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>The observer the node router calls (under its lock): it only tells this actor.</summary>
    public static IRouteObserver Observer(IActorRef replicator) => new TellingObserver(replicator);

    protected override void PreStart() =>
        _cluster.Subscribe(Self, ClusterEvent.SubscriptionInitialStateMode.InitialStateAsEvents, typeof(ClusterEvent.MemberUp), typeof(ClusterEvent.MemberRemoved), typeof(ClusterEvent.IReachabilityEvent));

    protected override void PostStop() => _cluster.Unsubscribe(Self);

    protected override void OnReceive(object message)
    {
        switch (message)
        {
            case RouteChange change:
                _pending.Add(change);
                if (!_flushQueued)
                {
                    _flushQueued = true;
                    Self.Tell(FlushDeltas.Instance);
                }

                break;
            case FlushDeltas:
                _flushQueued = false;
                Flush();
                break;
            case ClusterEvent.MemberUp up when !up.Member.UniqueAddress.Equals(_cluster.SelfUniqueAddress):
                OnMemberUp(up.Member);
                break;
            case ClusterEvent.MemberRemoved removed:
                OnMemberRemoved(removed.Member, crashed: removed.PreviousStatus == MemberStatus.Down);
                break;
            case ClusterEvent.UnreachableMember unreachable:
                // Shared groups stop being placed on it at once, not only once it is downed (seconds later).
                SetReachable(unreachable.Member, false);
                break;
            case ClusterEvent.ReachableMember reachable:
                SetReachable(reachable.Member, true);
                break;
            case RouteDelta delta:
                OnDelta(delta, Sender);
                break;
            case RouteSnapshotPart part:
                OnSnapshotPart(part, Sender);
                break;
            case RequestRouteSnapshot request:
                Flush();
                SendSnapshot(Sender);
                break;
            case AwaitRoutesSynced:
                _syncWaiters.Add(Sender);
                AnswerSyncWaiters();
                if (_syncWaiters.Count > 0 && !Timers.IsTimerActive(AskMissingSnapshots.Instance))
                {
                    Timers.StartPeriodicTimer(AskMissingSnapshots.Instance, AskMissingSnapshots.Instance, MissingSnapshotRetry);
                }

                break;
            case AskMissingSnapshots:
                OnAskMissingSnapshots();
                break;
            case AwaitPropagation:
                Flush();
                _propagationWaiters.Add((_sequence, Sender, DateTime.UtcNow + PropagationTimeout));
                AnswerPropagationWaiters();
                if (_propagationWaiters.Count > 0 && !Timers.IsTimerActive(CheckPropagation.Instance))
                {
                    // Deadlines are checked every second while barriers wait.
                    Timers.StartPeriodicTimer(CheckPropagation.Instance, CheckPropagation.Instance, TimeSpan.FromSeconds(1));
                }

                break;
            case CheckPropagation:
                AnswerPropagationWaiters();
                break;
            case PurgeOrphanedRoutes m:
                int purged = _table.Purge(m.Node);
                _logger.LogInformation("Routes: purged the {Count} route(s) kept for the crash replay of {Member}", purged, m.Address);
                break;
            case RoutesApplied applied:
                if (_origins.TryGetValue(applied.Node, out Origin? acking) && applied.Sequence > acking.AppliedByIt)
                {
                    acking.AppliedByIt = applied.Sequence;
                }

                AnswerPropagationWaiters();
                break;
            case ClusterEvent.IMemberEvent:
                break;
            default:
                Unhandled(message);
                break;
        }
    }

    private ActorSelection ReplicatorOf(Address address) => Context.ActorSelection(new RootActorPath(address) / "user" / Name);

    private void Flush()
    {
        if (_pending.Count == 0)
        {
            return;
        }

        _sequence++;
        var delta = new RouteDelta(_cluster.SelfUniqueAddress, _sequence, _pending.ToArray());
        _pending.Clear();
        int sent = 0;
        foreach (Origin origin in _origins.Values)
        {
            ReplicatorOf(origin.Node.Address.Address).Tell(delta, Self);
            sent++;
        }

        _metrics.RouteDeltaSent(sent);
    }

    private void OnMemberUp(Member member)
    {
        // Its forward sender (and link) exist from now on, before anything is forwarded to it.
        GetOrAddOrigin(member.UniqueAddress, member);
        // Everything changed so far goes out as a delta to the members known before; the new member gets the
        // whole set as of the current sequence, so later deltas continue where its snapshot ends.
        Flush();
        int sent = SendSnapshot(ReplicatorOf(member.Address));
        _logger.LogDebug("Routes: sent a snapshot of {Count} route(s) to {Member}", sent, member.Address);

        // What it sent before this node's view listed it, in order.
        _upSeen.Add(member.UniqueAddress);
        foreach ((object message, IActorRef from) in _early.Take(member.UniqueAddress))
        {
            if (message is RouteDelta delta)
            {
                OnDelta(delta, from);
            }
            else
            {
                OnSnapshotPart((RouteSnapshotPart)message, from);
            }
        }
    }

    private void OnMemberRemoved(Member member, bool crashed)
    {
        _upSeen.Remove(member.UniqueAddress);
        _early.Take(member.UniqueAddress);
        if (!_origins.Remove(member.UniqueAddress, out Origin? origin))
        {
            return;
        }

        _router.Membership?.NodeRemoved(BrokerNode.NodeIncarnation(member.UniqueAddress));
        if (crashed && _crashReplayWindow > TimeSpan.Zero && _crashReplay is { } crashReplay)
        {
            // Before the sender stops (the PoisonPill comes after this in its mailbox): what it forwarded recently
            // goes to the crash replay, for the sessions continued from the dead node.
            string dead = Sessions.SessionPersistence.IdOf(member.UniqueAddress);
            // First (the crash replay must know before the hand-over whether to wait for the journal): the survivor with
            // the lowest address routes the dead node's publish journal again, so it is replayed once, not once per node.
            crashReplay.Tell(new Sessions.NodeCrashed(dead, ReadsJournalOfDeadNodes()));
            var orphaned = new OrphanedRoutes(dead, crashReplay);
            origin.Node.Sender.Tell(new HandOverRecentForwards(orphaned, Context.ActorSelection("/user/" + ForwardReceiverActor.Name)));

            // Its sessions continue on the survivors only once their shards restart there and read the store (seconds):
            // until their own routes are everywhere, messages published for them would match no route at all. So the dead
            // node's plain routes stay for OrphanPeriod, and what matches them goes to the crash replay, which the
            // continued sessions ask once their routes are everywhere. Shared routes go now (a group has other members).
            origin.Node.Reachable = false;
            origin.Node.Orphaned = orphaned;
            List<RouteKey> plain = [.. _table.RoutesOf(origin.Node).Where(static r => r.Group is null)];
            _table.Replace(origin.Node, plain);
            Timers.StartSingleTimer("orphaned-" + dead, new PurgeOrphanedRoutes(origin.Node, member.Address), OrphanPeriod);
            _logger.LogInformation("Routes: {Member} crashed; its {Count} plain route(s) feed the crash replay for {Seconds} s, until its sessions continue elsewhere", member.Address, plain.Count, OrphanPeriod.TotalSeconds);
        }
        else
        {
            int purged = _table.Purge(origin.Node);
            _logger.LogInformation("Routes: purged {Count} route(s) of {Member}, which left the cluster", purged, member.Address);
        }

        origin.Node.Sender.Tell(PoisonPill.Instance);
        AnswerSyncWaiters();
        AnswerPropagationWaiters();
    }

    /// <summary>This node has the lowest address among the members left that it can reach (the same choice on every node).</summary>
    private bool ReadsJournalOfDeadNodes()
    {
        string self = _cluster.SelfUniqueAddress.Address.ToString();
        foreach ((UniqueAddress address, Origin other) in _origins)
        {
            if (other.Node.Reachable && !address.Equals(_cluster.SelfUniqueAddress) && string.CompareOrdinal(address.Address.ToString(), self) < 0)
            {
                return false;
            }
        }

        return true;
    }

    private void SetReachable(Member member, bool reachable)
    {
        if (_origins.TryGetValue(member.UniqueAddress, out Origin? origin))
        {
            origin.Node.Reachable = reachable;
            _logger.LogInformation("Routes: {Member} is {State}; shared groups {Placement} there", member.Address, reachable ? "reachable again" : "unreachable", reachable ? "are placed" : "are no longer placed");
        }
    }

    /// <param name="member">The member, when the caller has it (a MemberUp event may come before the cluster's read view lists it).</param>
    private Origin GetOrAddOrigin(UniqueAddress address, Member? member = null)
    {
        if (!_origins.TryGetValue(address, out Origin? origin))
        {
            ForwardLinkProtocol.Target? link = LinkTargetOf(address, member);
            var writer = new ForwardLinkWriter(address.Address.ToString(), _serializer, _metrics, _logger, viaRemoting: link is null, _crashReplayWindow);
            IActorRef sender = Context.ActorOf(
                ForwardSenderActor.Props(Context.ActorSelection(new RootActorPath(address.Address) / "user" / ForwardReceiverActor.Name), _metrics, writer, link, _logger),
                ForwardSenderName(address));
            origin = new Origin(new RemoteNode(address, sender, _metrics.ForwardsTo(address.Address.HostPort()), writer));
            _origins.Add(address, origin);
        }

        return origin;
    }

    /// <summary>Where the member's forward link listener is, from its cluster role; null when it advertises none.</summary>
    private ForwardLinkProtocol.Target? LinkTargetOf(UniqueAddress address, Member? member)
    {
        member ??= _cluster.State.Members.FirstOrDefault(m => m.UniqueAddress.Equals(address));
        if (member is null || ForwardLinkProtocol.PortOf(member) is not { } port || address.Address.Host is not { } host)
        {
            return null;
        }

        UniqueAddress self = _cluster.SelfUniqueAddress;
        return new ForwardLinkProtocol.Target(host, port, new ForwardLinkProtocol.Hello(Context.System.Name, self.Address.ToString(), self.Uid, address.Uid));
    }

    private void OnDelta(RouteDelta delta, IActorRef from)
    {
        _metrics.RouteDeltaReceived();
        if (!IsMember(delta.Origin))
        {
            KeepEarly(delta.Origin, delta, from);
            return;
        }

        Origin origin = GetOrAddOrigin(delta.Origin);
        switch (origin.Received.Judge(delta))
        {
            case DeltaVerdict.Ignore:
                return;
            case DeltaVerdict.Gap:
                _logger.LogInformation(
                    "Routes: gap in the deltas of {Origin} (expected {Expected}, got {Sequence}); asking for a snapshot",
                    delta.Origin.Address, origin.Received.Current + 1, delta.Sequence);
                from.Tell(new RequestRouteSnapshot(_cluster.SelfUniqueAddress), Self);
                return;
            case DeltaVerdict.Apply:
                break;
        }

        foreach (RouteChange change in delta.Changes)
        {
            if (change.Added)
            {
                if (_table.Add(origin.Node, change.Route) && change.Route.IsShared)
                {
                    // Messages a group kept here while no member was online go to the new members.
                    _router.GroupJoinedElsewhere(change.Route);
                }
            }
            else
            {
                _table.Remove(origin.Node, change.Route);
            }
        }

        origin.Received.DeltaApplied(delta);
        from.Tell(new RoutesApplied(_cluster.SelfUniqueAddress, delta.Sequence), Self);
    }

    private void OnSnapshotPart(RouteSnapshotPart part, IActorRef from)
    {
        if (!IsMember(part.Origin))
        {
            KeepEarly(part.Origin, part, from);
            return;
        }

        Origin origin = GetOrAddOrigin(part.Origin);
        if (!origin.Received.AddSnapshotPart(part, out List<RouteKey>? routes))
        {
            return;
        }

        _table.Replace(origin.Node, routes);
        foreach (RouteKey route in routes)
        {
            if (route.IsShared)
            {
                _router.GroupJoinedElsewhere(route);
            }
        }

        _metrics.SnapshotReceived();
        from.Tell(new RoutesApplied(_cluster.SelfUniqueAddress, part.Sequence), Self);
        AnswerSyncWaiters();
    }

    /// <returns>The number of routes sent.</returns>
    private int SendSnapshot(ICanTell destination)
    {
        List<RouteKey> routes = _router.GetRoutes();
        // The router's current set already includes every change still pending here (they were flushed above).
        int offset = 0;
        do
        {
            int count = Math.Min(SnapshotPartSize, routes.Count - offset);
            var part = new RouteKey[count];
            routes.CopyTo(offset, part, 0, count);
            offset += count;
            destination.Tell(new RouteSnapshotPart(_cluster.SelfUniqueAddress, _sequence, offset >= routes.Count, part), Self);
        }
        while (offset < routes.Count);
        _metrics.SnapshotSent();
        return routes.Count;
    }

    /// <summary>Keeps a delta or snapshot part of a node this node's view does not list (yet), for its MemberUp.</summary>
    private void KeepEarly(UniqueAddress origin, object message, IActorRef from)
    {
        if (_early.Keep(origin, message, from))
        {
            _logger.LogDebug("Routes: kept {Message} of {Origin} until it is a member here", message.GetType().Name, origin);
        }
        else
        {
            _logger.LogDebug("Routes: ignored {Message} of {Origin}, not a member here ({Max} kept already)", message.GetType().Name, origin, EarlyRouteMessages.MaxMessages);
        }
    }

    private bool IsMember(UniqueAddress address)
    {
        if (_upSeen.Contains(address))
        {
            return true;
        }

        foreach (Member member in _cluster.State.Members)
        {
            if (member.UniqueAddress.Equals(address))
            {
                return member.Status is MemberStatus.Up or MemberStatus.Leaving or MemberStatus.Exiting or MemberStatus.Joining or MemberStatus.WeaklyUp;
            }
        }

        return false;
    }

    /// <summary>
    /// How long a crashed node's plain routes feed the crash replay: its sessions' shards restart on the survivors,
    /// read the store and announce their routes within seconds; this leaves room for a slow store.
    /// </summary>
    public static readonly TimeSpan OrphanPeriod = TimeSpan.FromSeconds(30);

    private sealed record PurgeOrphanedRoutes(RemoteNode Node, Address Address);

    private sealed class FlushDeltas
    {
        public static readonly FlushDeltas Instance = new();
    }

    /// <summary>Another member as the replicator sees it: the node, where its route updates stand here, and what it applied of this node's.</summary>
    private sealed class Origin(RemoteNode node)
    {
        public RemoteNode Node { get; } = node;

        /// <summary>Where this node is in the origin's stream of route updates (deltas, gaps, snapshots).</summary>
        public OriginRouteSequence Received { get; } = new();

        /// <summary>The highest sequence of THIS node's routes that this origin confirmed it applied.</summary>
        public long AppliedByIt { get; set; }
    }

    private sealed class TellingObserver(IActorRef replicator) : IRouteObserver
    {
        public void RouteAdded(RouteKey route) => replicator.Tell(new RouteChange(true, route), ActorRefs.NoSender);

        public void RouteRemoved(RouteKey route) => replicator.Tell(new RouteChange(false, route), ActorRefs.NoSender);
    }
}
