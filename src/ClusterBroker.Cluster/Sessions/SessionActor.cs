using Akka.Actor;
using Akka.Cluster.Sharding;
using ClusterBroker.Cluster.Messages;
using ClusterBroker.Cluster.Serialization;
using ClusterBroker.Core;
using ClusterBroker.Core.Messages;
using ClusterBroker.Core.Sessions;
using Microsoft.Extensions.Logging;

namespace ClusterBroker.Cluster.Sessions;

/// <summary>
/// The sharded entity owning one client's session (entity id = ClientId): a thin shell around Core's
/// <see cref="SessionState"/> that adds what only an actor can do in a cluster — serialise takeovers (a
/// second AttachSession closes the first connection with 0x8E, wherever it is, and waits for its
/// DetachSession before answering; further attaches wait in the stash), timers for the Will Delay and the
/// Session Expiry, death watch on the node holding the connection, handing the state on when its shard
/// moves, and passivation when the session ends so that all its memory is released.
/// </summary>
/// <remarks>
/// A connection is (node actor, connection number): <c>_node</c> is the node holding the attached connection,
/// or, while the client is away, the node whose router keeps the session's subscriptions (its offline
/// endpoint). Replies go to that node actor, never to a temporary asker, so a late answer is handed back
/// rather than lost.
/// </remarks>
public sealed partial class SessionActor : UntypedActor, IWithTimers, IWithUnboundedStash
{
    /// <summary>How long a takeover waits for the hand-back after the old node said its connection closed.</summary>
    public static readonly TimeSpan DetachGrace = TimeSpan.FromSeconds(2);

    private const string TakeoverTimer = "takeover";
    private const string WillTimer = "will";
    private const string ExpiryTimer = "expiry";
    private const string ForgetTimer = "forget";

    private readonly SessionState _state;
    private readonly BrokerOptions _options;
    private readonly ILogger _logger;
    private readonly ClusterMetrics _clusterMetrics;
    private readonly TimeProvider _time;
    private readonly IActorRef _localNode;
    private readonly IActorRef _clientIds;
    private bool _announced;
    private IActorRef? _node;
    private AttachSession? _pendingAttach;
    private int _stashed;
    private int _reportedQueueDepth = -1;
    private MessagePartAssembler? _assembler;

    // The last answer, kept until the connection's node confirms it arrived, so a retried attach gets it again
    // instead of an emptied session (the state moved into the answer).
    private SessionAttached? _unconfirmed;

    // The node a resumed session came from, told to forget it once the new node's routes are everywhere.
    private IActorRef? _forgetAfterRoutes;

    // Durable sessions (a session store is configured): the store is read before anything else is handled.
    private readonly SessionPersistence? _persistence;
    private bool _loading;
    private string? _recovering;
    private uint _sessionExpiryInterval;

    // The attached connection's Will should it end without DISCONNECT: stored, so a recovery still publishes it.
    private PendingWill? _onlineWill;

    // Loaded from the store while its connection was still up on a live node: that connection's hand-back wins.
    private string? _adoptHandBackFrom;

    // Messages for the client that this entity could not place yet: it started (a shard handed off or restarted)
    // while the client is connected on another node it does not know the connection of, and the connection's node
    // sent them back. They go to the session as soon as it is known (the state handed off, the hand-back, an attach).
    private List<QueuedMessage>? _held;

    // The offline state was read from the store by this incarnation and nothing has changed it since.
    private bool _stateFromStore;

    // Continued from the store after a node loss: what the session had, so that replays do not bring it twice.
    private ReplayedRepeats? _replayedRepeats;

    // Where the node of the attached connection moved the session's offline endpoint (it is leaving, that connection
    // ended there and its hand-back is on its way): the session waits there once the hand-back arrives.
    private IActorRef? _movedEndpoint;

    public SessionActor(string clientId, BrokerOptions options, ILogger logger, BrokerMetrics? metrics, ClusterMetrics clusterMetrics, TimeProvider time, IActorRef localNode, IActorRef clientIds, ISessionStore? store)
    {
        _persistence = store is null ? null : new SessionPersistence(store, clientId, logger, clusterMetrics);
        _clientIds = clientIds;
        _options = options;
        _logger = logger;
        _clusterMetrics = clusterMetrics;
        _time = time;
        _localNode = localNode;
        _state = new SessionState(clientId, options, logger, metrics);
    }

    public ITimerScheduler Timers { get; set; } = null!;

    public IStash Stash { get; set; } = null!;

    /// <summary>Props without an expression tree (cheap per entity).</summary>
    /// <param name="clientIds">The ClientId registry, told when a persistent session starts and ends.</param>
    /// <param name="store">Where persistent sessions are kept durably; null keeps them in memory only.</param>
    public static Props Props(string clientId, BrokerOptions options, ILogger logger, BrokerMetrics? metrics, ClusterMetrics clusterMetrics, TimeProvider time, IActorRef localNode, IActorRef clientIds, ISessionStore? store = null) =>
        Akka.Actor.Props.Create(typeof(SessionActor), clientId, options, logger, metrics!, clusterMetrics, time, localNode, clientIds, store!);

    private long Now => _time.GetUtcNow().ToUnixTimeMilliseconds();

    private string ClientId => _state.ClientId;

    // An untyped actor: a ReceiveActor builds handler tables per instance, which costs memory per session.
    protected override void OnReceive(object message)
    {
        if (_persistence is { Loaded: false } && !ReadyFor(message))
        {
            return;
        }

        if (_logger.IsEnabled(LogLevel.Debug))
        {
            LogHandling(message);
        }

        Handle(message);
        if (_held is not null)
        {
            ReleaseHeld();
        }

        ReportQueueDepth();
    }

    /// <summary>The held messages go to the attached connection, or into the offline session, once there is one.</summary>
    private void ReleaseHeld()
    {
        if (_state.AttachedConnectionId is long connection && _node is not null)
        {
            foreach (QueuedMessage held in _held!)
            {
                _node.Tell(new DeliverToConnection(connection, ClientId, held));
            }
        }
        else if (_state.Exists && _pendingAttach is null)
        {
            long now = Now;
            foreach (QueuedMessage held in _held!)
            {
                QueueOffline(held, now);
            }
        }
        else
        {
            return;
        }

        _held = null;
    }

    /// <summary>Debug: what the entity is about to handle and what it holds (to follow a session across nodes in the logs).</summary>
    private void LogHandling(object message)
    {
        string what = message switch
        {
            EnqueueMessage m => $"message on '{m.Message.Message.Topic}'{(m.BouncedFromNode is { } from ? $" bounced by connection {m.BouncedFromConnection} on {from.Path.Address}" : "")}",
            AttachSession m => $"attach of connection {m.ConnectionId} on {m.Node.Path.Address} (clean start {m.CleanStart})",
            DetachSession m => $"hand-back of connection {m.ConnectionId} on {m.Node.Path.Address} ({m.Snapshot.Queued.Count} queued, {m.Snapshot.Inflight.Count} inflight)",
            SessionEndpointMoved m => $"endpoint moved to {m.Node.Path.Address}",
            RestoreSession m => $"restore ({m.Record.Offline.Queued.Count} queued)",
            _ => message.GetType().Name,
        };
        _logger.LogDebug("Session of client {ClientId}: {What}; attached: {Connection} on {Node}, {Queued} queued", ClientId, what, _state.AttachedConnectionId, _node?.Path.Address, _state.QueuedCount);
    }

    protected override void PostStop()
    {
        if (_held is { Count: > 0 })
        {
            _logger.LogWarning("Session of client {ClientId}: {Count} message(s) held for it were dropped: the entity stopped before it learned of the session (it ended or moved)", ClientId, _held.Count);
        }

        _clusterMetrics.OfflineQueues.Withdraw(ClientId);
        base.PostStop();
    }

    /// <summary>An offline session's queue depth for the metrics, reported when it changes (-1: online or no session).</summary>
    private void ReportQueueDepth()
    {
        int depth = _state.Exists && _state.AttachedConnectionId is null ? _state.QueuedCount : -1;
        if (depth == _reportedQueueDepth)
        {
            return;
        }

        _reportedQueueDepth = depth;
        if (depth < 0)
        {
            _clusterMetrics.OfflineQueues.Withdraw(ClientId);
        }
        else
        {
            _clusterMetrics.OfflineQueues.Report(ClientId, depth);
        }
    }

    private void Handle(object message)
    {
        switch (message)
        {
            case EnqueueMessage m:
                OnEnqueue(m);
                break;
            case SessionSubscriptionsChanged m:
                OnSubscriptionsChanged(m);
                break;
            case RecoverSession m:
                if (_persistence?.Home == m.DeadNode && m.DeadNode != LocalHome)
                {
                    StartRecovery($"its node {m.DeadNode} left the cluster");
                }

                break;
            case ActorIdentity m:
                OnHomeIdentified(m);
                break;
            case AttachSession m when _unconfirmed is { } reply && reply.ConnectionId == m.ConnectionId && m.Node.Equals(_node):
                SendReply(reply);
                break;
            case SessionRoutesReady m:
                if (_state.AttachedConnectionId == m.ConnectionId)
                {
                    ForgetPreviousNode();
                }

                break;
            case ForgetPreviousNodeDue:
                ForgetPreviousNode();
                break;
            case SessionAttachConfirmed m:
                if (_unconfirmed?.ConnectionId == m.ConnectionId)
                {
                    _unconfirmed = null;
                }

                break;
            case AttachSession m when _pendingAttach is not null:
                Stash.Stash();
                _stashed++;
                break;
            case AttachSession m:
                OnAttach(m);
                break;
            case DetachSession m:
                OnDetach(m);
                break;
            case MessagePart m:
                if ((_assembler ??= new MessagePartAssembler((ExtendedActorSystem)Context.System)).Add(m) is { } whole)
                {
                    OnReceive(whole);
                }

                break;
            case ConnectionClosed m:
                OnConnectionClosed(m);
                break;
            case Terminated m:
                OnNodeTerminated(m.ActorRef);
                break;
            case RestoreSession m:
                OnRestore(m);
                break;
            case SessionEndpointMoved m:
                OnEndpointMoved(m);
                break;
            case CrashReplayDue m:
                AskForCrashReplay(m.DeadHome, m.Subscriptions);
                break;
            case QuerySessionQueue:
                Sender.Tell(new SessionQueueReport(ClientId, _state.Exists, _state.AttachedConnectionId is not null, _state.QueuedCount, _state.InflightCount));
                if (!_state.Exists && _state.AttachedConnectionId is null)
                {
                    PassivateIfEmpty(); // started by the question: no session to keep
                }

                break;
            case HandOffSession:
                OnHandOff();
                break;
            case TakeoverTimedOut when _persistence is not null && _pendingAttach is not null:
                // The previous connection's node did not answer (it may have crashed before anyone noticed): the new
                // connection gets the session as the store has it.
                _logger.LogWarning("Takeover of client {ClientId}: the previous connection did not hand its session back in time; continuing from the session store", ClientId);
                StartRecovery("the previous connection did not hand it back in time");
                break;
            case TakeoverTimedOut:
                _logger.LogWarning("Takeover of client {ClientId}: the previous connection did not hand its session back in time; its live state is lost", ClientId);
                CompletePendingAttach();
                break;
            case WillDue:
                OnWillDue();
                break;
            case ExpiryDue:
                OnExpiryDue();
                break;
            default:
                Unhandled(message);
                break;
        }
    }

    private void OnConnectionClosed(ConnectionClosed closed)
    {
        if (_pendingAttach is not null && _state.AttachedConnectionId == closed.ConnectionId)
        {
            // The connection ended; its hand-back travels on another path and is normally here already or
            // moments away. Wait a little for it, not the whole takeover timeout.
            Timers.StartSingleTimer(TakeoverTimer, TakeoverTimedOut.Instance, DetachGrace);
        }
    }

    private void OnDetach(DetachSession detach)
    {
        _stateFromStore = false;
        long now = Now;
        if (!IsAttachedTo(detach.Node, detach.ConnectionId))
        {
            if (AdoptsHandBack(detach))
            {
                // This entity started after the one that attached the connection was lost with its node: adopt the
                // session the connection hands back rather than dropping it (it is newer than any stored copy).
                _state.Attach(new SessionAttachRequest(detach.ClientId, true, detach.ConnectionId, detach.SessionExpiryInterval), now, out _);
                SetNode(detach.Node);
                AnnounceIfPersistent();
            }
            else
            {
                if (_state.Exists && detach.SessionExpiryInterval > 0 && !detach.Snapshot.IsEmpty)
                {
                    _logger.LogWarning(
                        "Client {ClientId}: a hand-back from a connection that no longer owns the session arrived late and was dropped ({Queued} queued, {Inflight} inflight)",
                        detach.ClientId, detach.Snapshot.Queued.Count, detach.Snapshot.Inflight.Count);
                }

                PassivateIfEmpty();
                return;
            }
        }

        _unconfirmed = null;
        _adoptHandBackFrom = null;
        bool keep = _state.Detach(new SessionDetachRequest(detach.ClientId, detach.ConnectionId, detach.SessionExpiryInterval, detach.Snapshot, detach.Will), now);
        IActorRef home = detach.Node;
        if (_movedEndpoint is { } moved)
        {
            // The connection's node (leaving) moved the session's endpoint before this hand-back arrived: wait there.
            _movedEndpoint = null;
            if (keep)
            {
                SetNode(moved);
                home = moved;
            }
            else
            {
                moved.Tell(new ForgetSession(ClientId));
            }
        }

        if (keep)
        {
            _sessionExpiryInterval = detach.SessionExpiryInterval;
            _persistence?.Offline(SessionPersistence.HomeOf(home, Context.System), detach.SessionExpiryInterval, _state.Export(now));
        }
        else
        {
            _persistence?.Delete();
        }

        if (_pendingAttach is not null)
        {
            CompletePendingAttach();
            return;
        }

        if (!keep)
        {
            Passivate();
            return;
        }

        ArmOfflineTimers(now);
    }

    /// <summary>
    /// Whether the hand-back of a connection this entity never knew is the session: this entity started after the one
    /// that attached the connection was lost with its node or its shard moved. Waiting for it (an attach is pending),
    /// only the stored connection's hand-back is, even one that ends the session.
    /// </summary>
    private bool AdoptsHandBack(DetachSession detach)
    {
        if (_state.AttachedConnectionId is not null)
        {
            return false;
        }

        return _pendingAttach is null
            ? detach.SessionExpiryInterval > 0 && (!_state.Exists || IsStoredConnection(detach.Node))
            : AwaitsStoredConnection && IsStoredConnection(detach.Node);
    }

    private void PassivateIfEmpty()
    {
        if (!_state.Exists && _state.AttachedConnectionId is null && _pendingAttach is null && _stashed == 0)
        {
            Passivate();
        }
    }

    private void Passivate()
    {
        ForgetPreviousNode();
        if (_announced && !_state.Exists)
        {
            _announced = false;
            _clientIds.Tell(new PersistentSessionEnded(ClientId));
        }

        Timers.CancelAll();
        Context.Parent.Tell(new Passivate(PoisonPill.Instance));
    }

    private sealed class TakeoverTimedOut
    {
        public static readonly TakeoverTimedOut Instance = new();
    }

    private sealed class ForgetPreviousNodeDue
    {
        public static readonly ForgetPreviousNodeDue Instance = new();
    }

    private sealed class WillDue
    {
        public static readonly WillDue Instance = new();
    }

    private sealed class ExpiryDue
    {
        public static readonly ExpiryDue Instance = new();
    }
}
