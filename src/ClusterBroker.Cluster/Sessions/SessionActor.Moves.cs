using Akka.Actor;
using Akka.Cluster;
using ClusterBroker.Cluster.Messages;
using ClusterBroker.Cluster.Serialization;
using ClusterBroker.Core.Messages;
using ClusterBroker.Protocol;
using Microsoft.Extensions.Logging;

namespace ClusterBroker.Cluster.Sessions;

/// <summary>
/// The session when nodes change: the node holding its connection or subscriptions dies, the session's state arrives
/// from a shard that moved, its offline endpoint moves to another node, and its own shard is handed off.
/// </summary>
public sealed partial class SessionActor
{
    private void OnNodeTerminated(IActorRef node)
    {
        if (!node.Equals(_node))
        {
            return;
        }

        _node = null;
        if (_state.AttachedConnectionId is not null && _persistence is not null)
        {
            StartRecovery("the node holding its connection left the cluster without handing it back");
            return;
        }

        if (_state.AttachedConnectionId is not null)
        {
            // The connection's node was removed from the cluster: the live state (subscriptions, inflight, queue)
            // was in that connection and is gone. Say so; the client starts a new session (Session Present 0).
            LoseSession("the node holding its connection left the cluster without handing it back");
            if (_pendingAttach is not null)
            {
                CompletePendingAttach();
                return;
            }

            Passivate();
        }

        if (_state.Exists)
        {
            HostSubscriptionsHere();
        }
    }

    private void LoseSession(string why)
    {
        _logger.LogWarning("Session of client {ClientId} lost: {Reason}; the client starts a new session (Session Present 0)", ClientId, why);
        _clusterMetrics.SessionLost();
        _state.LoseConnection();
    }

    private void OnRestore(RestoreSession restore)
    {
        if (_stateFromStore && _state.AttachedConnectionId is null && _pendingAttach is null)
        {
            // This entity read the store before the handed-off state arrived: the state handed off is the live one
            // (it knows an attached connection, what is inflight). What was queued here meanwhile is kept, to follow it.
            (_held ??= new List<QueuedMessage>()).AddRange(_state.Export(Now).Offline.Queued);
            _state.End();
        }

        _stateFromStore = false;

        if (_pendingAttach is { } waiting && AwaitsStoredConnection)
        {
            // An attach waits for the hand-back of the connection the store named: the state handed off knows that
            // connection (or that it ended). Continue from it and take the attach again, a takeover like any other.
            _pendingAttach = null;
            Timers.Cancel(TakeoverTimer);
            _adoptHandBackFrom = null;
            _state.Restore(restore.Record);
            if (restore.Node is not null)
            {
                SetNode(restore.Node);
            }

            OnAttach(waiting);
            return;
        }

        if (_state.Exists || _state.AttachedConnectionId is not null || _pendingAttach is not null)
        {
            // The client reattached to this new incarnation before the state arrived: give it what was queued.
            _logger.LogWarning("Session of client {ClientId}: its handed-off state arrived after the client reattached; delivering its {Count} queued message(s)", ClientId, restore.Record.Offline.Queued.Count);
            foreach (QueuedMessage queued in restore.Record.Offline.Queued)
            {
                OnEnqueue(new EnqueueMessage(ClientId, queued));
            }

            return;
        }

        _state.Restore(restore.Record);
        if (restore.Node is not null)
        {
            SetNode(restore.Node);
        }

        if (!_state.Exists && _state.AttachedConnectionId is null)
        {
            Passivate();
            return;
        }

        AnnounceIfPersistent();
        if (_state.AttachedConnectionId is null)
        {
            ArmOfflineTimers(Now);
        }
    }

    private void OnEndpointMoved(SessionEndpointMoved moved)
    {
        if (_state.AttachedConnectionId is not null && _node is not null && _node.Equals(Sender) && !moved.Node.Equals(_node))
        {
            // The node of the attached connection moved the endpoint: it is leaving, the connection ended there and its
            // hand-back is on its way (the move can overtake it). The moved endpoint is where the session waits then;
            // forgetting it now would leave only the leaving node to take the session's messages, and it drops them as it goes.
            _movedEndpoint = moved.Node;
            return;
        }

        if (_state.AttachedConnectionId is not null || !_state.Exists)
        {
            if (!moved.Node.Equals(_node))
            {
                moved.Node.Tell(new ForgetSession(ClientId)); // the client is back elsewhere (or the session ended)
            }

            return;
        }

        SetNode(moved.Node);
        _persistence?.Offline(SessionPersistence.HomeOf(moved.Node, Context.System), _sessionExpiryInterval, _state.Export(Now));
    }

    private void OnHandOff()
    {
        if (_state.Exists || _state.AttachedConnectionId is not null)
        {
            SessionRecord record = _state.Export(Now);
            if (FindOtherRegion() is { } region)
            {
                var restore = new RestoreSession(ClientId, _node, record);
                MessageParts.Send(Context.System, region, ClientId, restore, MessageParts.EstimateSize(record.Offline), Self);
                if (_movedEndpoint is { } moved)
                {
                    // The hand-back of the connection is still to come: the next incarnation learns of the move after the
                    // state, as this one did (same order, from the connection's node).
                    region.Tell(new SessionEndpointMoved(ClientId, moved), _node);
                }
            }
            else
            {
                _logger.LogWarning("Session of client {ClientId} lost at shutdown: no other node to take it over", ClientId);
                _clusterMetrics.SessionLost();
            }
        }

        Context.Stop(Self);
    }

    /// <summary>The session shard region of another member that is not leaving; it buffers until the shard's new home is known.</summary>
    private ActorSelection? FindOtherRegion()
    {
        var cluster = Akka.Cluster.Cluster.Get(Context.System);
        foreach (Member member in cluster.State.Members)
        {
            if (member.Status == MemberStatus.Up && !member.UniqueAddress.Equals(cluster.SelfUniqueAddress)
                && !cluster.State.Unreachable.Contains(member))
            {
                return Context.ActorSelection(new RootActorPath(member.Address) / "system" / "sharding" / BrokerNode.SessionTypeName);
            }
        }

        return null;
    }

    private void SetNode(IActorRef node)
    {
        if (node.Equals(_node))
        {
            return;
        }

        if (_node is not null)
        {
            Context.Unwatch(_node);
        }

        _node = node;
        Context.Watch(node);
    }
}
