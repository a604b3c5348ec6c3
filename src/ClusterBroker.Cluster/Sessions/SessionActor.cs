using Akka.Actor;
using Akka.Cluster.Sharding;
using ClusterBroker.Cluster.Messages;
using ClusterBroker.Core;
using ClusterBroker.Core.Messages;
using ClusterBroker.Core.Sessions;
using ClusterBroker.Protocol;
using Microsoft.Extensions.Logging;

namespace ClusterBroker.Cluster.Sessions;

/// <summary>
/// The sharded entity owning one client's session (entity id = ClientId): a thin shell around Core's
/// <see cref="SessionState"/> that adds what only an actor can do — serialise takeovers (a second
/// AttachSession closes the first connection with 0x8E and waits for its DetachSession, or the takeover
/// timeout, before answering), timers for the Will Delay and the Session Expiry, and passivation when the
/// session ends so that all its memory is released.
/// </summary>
public sealed class SessionActor : UntypedActor, IWithTimers
{
    private const string TakeoverTimer = "takeover";
    private const string WillTimer = "will";
    private const string ExpiryTimer = "expiry";

    private readonly SessionState _state;
    private readonly BrokerOptions _options;
    private readonly TimeProvider _time;
    private IActorRef? _node;
    private (AttachSession Request, IActorRef ReplyTo)? _pendingAttach;

    public SessionActor(string clientId, BrokerOptions options, ILogger logger, BrokerMetrics? metrics, TimeProvider time)
    {
        _options = options;
        _time = time;
        _state = new SessionState(clientId, options, logger, metrics);
    }

    public ITimerScheduler Timers { get; set; } = null!;

    /// <summary>Props without an expression tree (cheap per entity).</summary>
    public static Props Props(string clientId, BrokerOptions options, ILogger logger, BrokerMetrics? metrics, TimeProvider time) =>
        Akka.Actor.Props.Create(typeof(SessionActor), clientId, options, logger, metrics!, time);

    // An untyped actor: a ReceiveActor builds handler tables per instance, which costs memory per session.
    protected override void OnReceive(object message)
    {
        switch (message)
        {
            case EnqueueMessage m:
                OnEnqueue(m);
                break;
            case AttachSession m:
                OnAttach(m);
                break;
            case DetachSession m:
                OnDetach(m);
                break;
            case TakeoverTimedOut:
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

    private long Now => _time.GetUtcNow().ToUnixTimeMilliseconds();

    private void OnAttach(AttachSession request)
    {
        if (_pendingAttach is { } previous)
        {
            // A third connection while a takeover is pending: the newest wins, the waiting one is refused.
            previous.ReplyTo.Tell(new Status.Failure(new InvalidOperationException("Session taken over by a newer connection.")));
            _pendingAttach = null;
            Timers.Cancel(TakeoverTimer);
        }

        if (_state.AttachedConnectionId is long current && current != request.ConnectionId)
        {
            // [MQTT-3.1.4-3] The existing connection is closed (DISCONNECT 0x8E) before the new one gets the session.
            _pendingAttach = (request, Sender);
            _node?.Tell(new DisconnectConnection(current, ReasonCode.SessionTakenOver));
            Timers.StartSingleTimer(TakeoverTimer, TakeoverTimedOut.Instance, _options.TakeoverTimeout);
            return;
        }

        CompleteAttach(request, Sender);
    }

    private void CompleteAttach(AttachSession request, IActorRef replyTo)
    {
        Timers.Cancel(WillTimer);
        Timers.Cancel(ExpiryTimer);
        var attach = new SessionAttachRequest(request.ClientId, request.CleanStart, request.ConnectionId, request.SessionExpiryInterval);
        SessionAttachResult result = _state.Attach(attach, Now, out PendingWill? will);
        if (will is not null)
        {
            request.Node.Tell(new PublishWill(request.ClientId, will.Message));
        }

        _node = request.Node;
        replyTo.Tell(new SessionAttached(request.ClientId, result.SessionPresent, result.Snapshot));
        if (attach.IsEphemeral)
        {
            // The session ends with its connection and nothing of it is durable: keep no actor (and its ~3 KB)
            // per online client. The connection's node closes an older connection of the same client itself.
            _state.End();
            Passivate();
        }
    }

    private void CompletePendingAttach()
    {
        if (_pendingAttach is { } pending)
        {
            _pendingAttach = null;
            Timers.Cancel(TakeoverTimer);
            CompleteAttach(pending.Request, pending.ReplyTo);
        }
    }

    private void OnDetach(DetachSession detach)
    {
        long now = Now;
        bool keep = _state.Detach(new SessionDetachRequest(detach.ClientId, detach.ConnectionId, detach.SessionExpiryInterval, detach.Snapshot, detach.Will), now);
        if (_pendingAttach is not null)
        {
            CompletePendingAttach();
            return;
        }

        if (_state.AttachedConnectionId is not null)
        {
            return; // a stale detach from a connection that was taken over
        }

        if (!keep)
        {
            Passivate();
            return;
        }

        if (_state.Will is not null)
        {
            Timers.StartSingleTimer(WillTimer, WillDue.Instance, TimeSpan.FromMilliseconds(Math.Max(0, _state.WillDueAtUnixMs - now)));
        }

        Timers.StartSingleTimer(ExpiryTimer, ExpiryDue.Instance, TimeSpan.FromMilliseconds(Math.Max(0, Math.Min(_state.ExpiresAtUnixMs - now, int.MaxValue))));
    }

    private void OnEnqueue(EnqueueMessage message)
    {
        if (_state.AttachedConnectionId is long connection && !message.Bounced && _node is not null)
        {
            // Routed here in the instant the client was between connections: hand it to the connection.
            _node.Tell(new DeliverToConnection(connection, message.ClientId, message.Message));
            return;
        }

        if (!_state.Exists)
        {
            if (_state.AttachedConnectionId is null && _pendingAttach is null)
            {
                Passivate(); // started by a stray message for a session that no longer exists
            }

            return;
        }

        _state.Enqueue(message.Message, Now);
    }

    private void OnWillDue()
    {
        if (_state.TakeDueWill(Now) is { } will)
        {
            _node?.Tell(new PublishWill(_state.ClientId, will.Message));
        }
    }

    private void OnExpiryDue()
    {
        long now = Now;
        if (!_state.IsExpired(now))
        {
            if (_state.AttachedConnectionId is null && _state.ExpiresAtUnixMs > now)
            {
                Timers.StartSingleTimer(ExpiryTimer, ExpiryDue.Instance, TimeSpan.FromMilliseconds(Math.Min(_state.ExpiresAtUnixMs - now, int.MaxValue)));
            }

            return;
        }

        // [MQTT-3.1.3-9] A Will still waiting when the session ends is published now.
        if (_state.TakeDueWill(now) is { } will)
        {
            _node?.Tell(new PublishWill(_state.ClientId, will.Message));
        }

        _state.End();
        _node?.Tell(new SessionExpired(_state.ClientId));
        Passivate();
    }

    private void Passivate()
    {
        Timers.CancelAll();
        Context.Parent.Tell(new Passivate(PoisonPill.Instance));
    }

    private sealed class TakeoverTimedOut
    {
        public static readonly TakeoverTimedOut Instance = new();
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
