using Akka.Actor;
using ClusterBroker.Cluster.Messages;
using ClusterBroker.Core.Messages;
using ClusterBroker.Core.Sessions;
using Microsoft.Extensions.Logging;

namespace ClusterBroker.Cluster.Sessions;

/// <summary>
/// The session while its client is away: messages routed to it are queued (or handed to a connection that is
/// arriving), a replayed copy of one it had is skipped, and its Will and expiry fall due on timers.
/// </summary>
public sealed partial class SessionActor
{
    private void ArmOfflineTimers(long now)
    {
        if (_state.Will is not null)
        {
            Timers.StartSingleTimer(WillTimer, WillDue.Instance, TimeSpan.FromMilliseconds(Math.Max(0, _state.WillDueAtUnixMs - now)));
        }

        Timers.StartSingleTimer(ExpiryTimer, ExpiryDue.Instance, TimeSpan.FromMilliseconds(Math.Max(0, Math.Min(_state.ExpiresAtUnixMs - now, int.MaxValue))));
    }

    private void OnEnqueue(EnqueueMessage message)
    {
        if (message.BouncedFromNode is null && IsReplayedRepeat(message.Message.Message))
        {
            return;
        }

        // Routed here in the instant the client was between connections: hand it to the attached connection —
        // unless that very connection sent it back (it ended; its hand-back is on its way and the message waits
        // here). A message bounced by an older connection goes to the newer one.
        if (_state.AttachedConnectionId is long connection && _node is not null
            && !(message.BouncedFromNode is { } from && from.Equals(_node) && message.BouncedFromConnection == connection))
        {
            _node.Tell(new DeliverToConnection(connection, message.ClientId, message.Message));
            return;
        }

        if (!_state.Exists && _adoptHandBackFrom is { } home)
        {
            // Started while the client is connected on another node (the store says so): the message goes to that
            // connection, whichever it is; should it have ended meanwhile, its node sends the message back to be held.
            if (message.BouncedFromNode is not null && message.BouncedFromConnection == DeliverToConnection.AnyConnection)
            {
                (_held ??= new List<QueuedMessage>()).Add(message.Message);
            }
            else
            {
                NodeActorOf(home).Tell(new DeliverToConnection(DeliverToConnection.AnyConnection, ClientId, message.Message));
            }

            return;
        }

        if (!_state.Exists)
        {
            PassivateIfEmpty(); // started by a stray message for a session that no longer exists
            return;
        }

        QueueOffline(message.Message, Now);
    }

    /// <summary>A message the session had before it continued from the store (or since), brought again by a replay: counted, not delivered.</summary>
    private bool IsReplayedRepeat(BrokerMessage message)
    {
        if (_replayedRepeats is not { } repeats)
        {
            return false;
        }

        if (repeats.Expired(Now))
        {
            _replayedRepeats = null;
            return false;
        }

        if (!repeats.IsRepeat(message))
        {
            return false;
        }

        _clusterMetrics.ReplayRepeatSkipped();
        _logger.LogDebug("Session of client {ClientId}: a replayed message on '{Topic}' it had already is not delivered again", ClientId, message.Topic);
        return true;
    }

    /// <summary>Queues a message for the client's return (bounded, with the drop policy) and writes it through to the store.</summary>
    private void QueueOffline(QueuedMessage message, long now)
    {
        EnqueueOutcome outcome = _state.Enqueue(message, now);
        _persistence?.Appended(message, outcome, _options.MaxQueuedMessagesPerSession);
    }

    private void OnWillDue()
    {
        if (_state.TakeDueWill(Now) is { } will)
        {
            _localNode.Tell(new PublishWill(ClientId, will.Message));
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
            _localNode.Tell(new PublishWill(ClientId, will.Message));
        }

        _state.End();
        _persistence?.Delete();
        _node?.Tell(new ForgetSession(ClientId));
        Passivate();
    }
}
