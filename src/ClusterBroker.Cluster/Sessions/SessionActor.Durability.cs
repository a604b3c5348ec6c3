using Akka.Actor;
using Akka.Cluster;
using ClusterBroker.Cluster.Messages;
using ClusterBroker.Core.Messages;
using ClusterBroker.Core.Sessions;
using Microsoft.Extensions.Logging;

namespace ClusterBroker.Cluster.Sessions;

/// <summary>
/// The session entity over a session store (durable sessions): it reads the stored session before handling
/// anything, writes every change through (<see cref="SessionPersistence"/>), and continues a session from the
/// store when the node holding its connection or its subscriptions is lost.
/// </summary>
public sealed partial class SessionActor
{
    private string LocalHome => SessionPersistence.HomeOf(_localNode, Context.System);

    /// <summary>
    /// Until the stored session was read, messages wait in the stash. A Clean Start needs no read (the stored
    /// session ends), nor does a hand-off, which carries the state.
    /// </summary>
    private bool ReadyFor(object message)
    {
        SessionPersistence persistence = _persistence!;
        switch (message)
        {
            case SessionLoaded loaded:
                OnLoaded(loaded);
                return false;
            case AttachSession { CleanStart: true } when !_loading:
                persistence.StartClean();
                return true;
            case RestoreSession restore when !_loading:
                persistence.Adopt(restore.Node is null ? null : SessionPersistence.HomeOf(restore.Node, Context.System));
                return true;
            default:
                Stash.Stash();
                if (!_loading)
                {
                    _loading = true;
                    persistence.Load(Self);
                }

                return false;
        }
    }

    /// <summary>The attached connection's subscriptions changed: store them, then let its SUBACK go.</summary>
    private void OnSubscriptionsChanged(SessionSubscriptionsChanged changed)
    {
        var stored = new SubscriptionsStored(ClientId, changed.RequestId);
        if (_persistence is null || !IsAttachedTo(changed.Node, changed.ConnectionId))
        {
            changed.Node.Tell(stored); // taken over or ended meanwhile: nothing of this connection's to store
            return;
        }

        _sessionExpiryInterval = changed.SessionExpiryInterval;
        _persistence.Attached(SessionPersistence.HomeOf(changed.Node, Context.System), changed.SessionExpiryInterval, changed.Subscriptions, _onlineWill)
            .ContinueWith(static (_, state) =>
            {
                var (node, answer) = ((IActorRef, SubscriptionsStored))state!;
                node.Tell(answer);
            },
            (changed.Node, stored),
            TaskScheduler.Default);
    }

    /// <summary>Reads the store again and continues the session from it: its connection or its subscriptions were lost with a node.</summary>
    private void StartRecovery(string why)
    {
        _recovering = why;
        _loading = true;
        _persistence!.Reload();
        _persistence.Load(Self);
    }

    private void OnLoaded(SessionLoaded loaded)
    {
        _loading = false;
        StoredSessionContents? stored = _persistence!.OnLoaded(loaded);
        string? recovering = _recovering;
        _recovering = null;
        if (recovering is not null)
        {
            ContinueFromStore(stored, recovering);
        }
        else if (stored is not null)
        {
            ContinueStored(stored);
        }

        Stash.UnstashAll();
        if (recovering is not null && _pendingAttach is not null)
        {
            CompletePendingAttach();
        }
    }

    /// <summary>This entity just started and found the session in the store (its previous entity was lost, or passivated).</summary>
    private void ContinueStored(StoredSessionContents stored)
    {
        StoredSession session = stored.Session;
        if (!IsLiveHome(session.HomeNode))
        {
            ContinueFromStore(stored, $"its node {session.HomeNode} is no longer in the cluster");
        }
        else if (session.Online)
        {
            // Its connection is still up, with newer state than the store: the hand-back it sends when it ends is
            // taken as the session (the entity that knew the connection was lost with its node).
            _adoptHandBackFrom = session.HomeNode;
        }
        else
        {
            long now = Now;
            RestoreOffline(stored, now);
            _stateFromStore = true;
            IdentifyHome(session.HomeNode);
            AnnounceIfPersistent();
            ArmOfflineTimers(now);
        }
    }

    /// <summary>The session continues on this node from what the store holds: subscriptions hosted here, pending messages kept.</summary>
    private void ContinueFromStore(StoredSessionContents? stored, string why)
    {
        if (stored is null)
        {
            if (_state.AttachedConnectionId is not null || _state.Exists)
            {
                LoseSession(why + ", and the session store has no copy of it");
                _state.End();
                if (_pendingAttach is null)
                {
                    Passivate();
                }
            }

            return;
        }

        long now = Now;
        RestoreOffline(stored, now);
        _replayedRepeats = new ReplayedRepeats(stored.GivenQoS2 ?? (IEnumerable<ulong>)[], stored.Pending, now);
        _localNode.Tell(new HostSessionEndpoint(ClientId, stored.Session.Subscriptions));
        SetNode(_localNode);
        AskForCrashReplayOnceRouted(stored.Session.HomeNode, stored.Session.Subscriptions);
        _persistence!.Offline(LocalHome, _sessionExpiryInterval, _state.Export(now));
        _clusterMetrics.SessionRecovered();
        _logger.LogInformation(
            "Session of client {ClientId} continues on this node from the session store ({Why}): {Subscriptions} subscription(s), {Pending} pending message(s)",
            ClientId, why, stored.Session.Subscriptions.Count, stored.Pending.Inflight.Count + stored.Pending.Queued.Count);
        AnnounceIfPersistent();
        ArmOfflineTimers(now);
    }

    private void RestoreOffline(StoredSessionContents stored, long now)
    {
        StoredSession session = stored.Session;
        _sessionExpiryInterval = session.SessionExpiryInterval;
        long expiresAt = session.Online ? now + (session.SessionExpiryInterval * 1000L) : session.ExpiresAtUnixMs;

        // An online session's connection ended without DISCONNECT (its node died): its Will is due after its delay.
        long willDue = session.Online && session.Will is { } will ? now + (will.DelaySeconds * 1000L) : session.WillDueAtUnixMs;
        _state.Restore(new SessionRecord(true, null, expiresAt, session.Will, willDue, stored.Pending));
        _node = null;
    }

    /// <summary>The client is away and the node keeping its subscriptions is gone: they move here, so what is published meanwhile is queued.</summary>
    private void HostSubscriptionsHere()
    {
        long now = Now;
        SessionRecord record = _state.Export(now); // exported once: it walks the whole queue
        _replayedRepeats = new ReplayedRepeats([], record.Offline, now);
        _localNode.Tell(new HostSessionEndpoint(ClientId, _state.Subscriptions));
        SetNode(_localNode);
        if (_persistence?.Home is { } deadHome)
        {
            AskForCrashReplayOnceRouted(deadHome, _state.Subscriptions);
        }

        _persistence?.Offline(LocalHome, _sessionExpiryInterval, record);
        _clusterMetrics.SessionRecovered();
        _logger.LogInformation(
            "Session of client {ClientId} continues on this node (the node keeping its subscriptions left the cluster): {Subscriptions} subscription(s), {Pending} pending message(s)",
            ClientId, _state.Subscriptions.Count, _state.QueuedCount + _state.InflightCount);
    }

    /// <summary>
    /// Asks for the crash replay once the routes this session's endpoint announced here (just asked for, before
    /// this) are on every node: from then on each node sends its messages here, and what it sent toward the dead
    /// node's routes before is in its crash replay, so none falls between the two.
    /// </summary>
    private void AskForCrashReplayOnceRouted(string deadHome, IReadOnlyList<Subscription> subscriptions)
    {
        if (deadHome == LocalHome || subscriptions.Count == 0)
        {
            return;
        }

        var due = new CrashReplayDue(deadHome, subscriptions);
        _localNode.Ask<HostedRoutesPropagated>(new AwaitHostedRoutes(1), Routing.RouteReplicatorActor.PropagationTimeout + TimeSpan.FromSeconds(2))
            .PipeTo(Self, success: _ => due, failure: _ => due);
    }

    /// <summary>Local: the routes of the continued session are everywhere (or the wait timed out): ask for the crash replay now.</summary>
    private sealed record CrashReplayDue(string DeadHome, IReadOnlyList<Subscription> Subscriptions);

    /// <summary>
    /// Every node gives this session what it forwarded to <paramref name="deadHome"/> shortly before that node crashed
    /// and that matches its subscriptions (<see cref="CrashReplayActor"/>): published toward the session's old home
    /// while nobody knew it was dead, it would be lost otherwise.
    /// </summary>
    private void AskForCrashReplay(string deadHome, IReadOnlyList<Subscription> subscriptions)
    {
        if (deadHome == LocalHome || subscriptions.Count == 0)
        {
            return;
        }

        var request = new ReplayToSession(deadHome, ClientId, subscriptions);
        foreach (Member member in Akka.Cluster.Cluster.Get(Context.System).State.Members)
        {
            if (member.Status is MemberStatus.Up or MemberStatus.WeaklyUp && SessionPersistence.IdOf(member.UniqueAddress) != deadHome)
            {
                Context.ActorSelection(new RootActorPath(member.Address) / "user" / CrashReplayActor.Name).Tell(request, Self);
            }
        }
    }

    /// <summary>A stored offline session keeps its subscriptions on its home node: find that node's actor, to tell it to forget them later.</summary>
    private void IdentifyHome(string home) => NodeActorOf(home).Tell(new Identify(ClientId), Self);

    /// <summary>The node actor of a home (a node's id in the store: its address and uid).</summary>
    private ActorSelection NodeActorOf(string home)
    {
        int uid = home.LastIndexOf('#');
        Address address = Address.Parse(uid < 0 ? home : home[..uid]);
        return Context.ActorSelection(new RootActorPath(address) / "user" / BrokerNodeActor.Name);
    }

    private void OnHomeIdentified(ActorIdentity identity)
    {
        if (identity.Subject is not { } node)
        {
            return;
        }

        if (_state.Exists && _state.AttachedConnectionId is null && _node is null)
        {
            SetNode(node);
        }
        else if (!node.Equals(_node))
        {
            node.Tell(new ForgetSession(ClientId)); // the client came back elsewhere first
        }
    }

    /// <summary>The store says the client is connected on a live node this incarnation knows nothing of: that connection's hand-back is the session.</summary>
    private bool AwaitsStoredConnection => _adoptHandBackFrom is not null && !_state.Exists && _state.AttachedConnectionId is null;

    /// <summary>True when the hand-back of a connection this entity never knew comes from the node the store said held it.</summary>
    private bool IsStoredConnection(IActorRef node) =>
        _adoptHandBackFrom is { } home && SessionPersistence.HomeOf(node, Context.System) == home;

    private bool IsLiveHome(string home)
    {
        if (home == LocalHome)
        {
            return true;
        }

        foreach (Member member in Akka.Cluster.Cluster.Get(Context.System).State.Members)
        {
            if (SessionPersistence.IdOf(member.UniqueAddress) == home)
            {
                return member.Status is MemberStatus.Up or MemberStatus.WeaklyUp or MemberStatus.Joining or MemberStatus.Leaving;
            }
        }

        return false;
    }
}
