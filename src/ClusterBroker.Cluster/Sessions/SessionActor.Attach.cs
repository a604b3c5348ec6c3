using Akka.Actor;
using Akka.Cluster;
using ClusterBroker.Cluster.Messages;
using ClusterBroker.Cluster.Routing;
using ClusterBroker.Cluster.Serialization;
using ClusterBroker.Core.Messages;
using ClusterBroker.Core.Sessions;
using ClusterBroker.Protocol;

namespace ClusterBroker.Cluster.Sessions;

/// <summary>
/// Attaching a connection to the session: one attach at a time (a second one closes the first connection, wherever it
/// is, and waits in the stash for its hand-back), the answer to the connection's node, and the routes announced.
/// </summary>
public sealed partial class SessionActor
{
    private bool IsAttachedTo(IActorRef node, long connectionId) =>
        _state.AttachedConnectionId == connectionId && node.Equals(_node);

    private void OnAttach(AttachSession request)
    {
        _stateFromStore = false;
        if (AwaitsStoredConnection && !request.CleanStart)
        {
            // The store says a connection of the client is up on a live node, one this incarnation never knew (its
            // shard moved or restarted while the client was connected). The ClientId registry closed that connection
            // before this attach was sent, so its hand-back, which carries the session, is on its way and can arrive
            // after this attach (it travels through another node's region). Wait for it as a takeover waits, briefly;
            // should it not come, the session continues from the store.
            _pendingAttach = request;
            Timers.StartSingleTimer(TakeoverTimer, TakeoverTimedOut.Instance, DetachGrace);
            return;
        }

        if (_state.AttachedConnectionId is not null && _node is not null && !IsAttachedTo(request.Node, request.ConnectionId) && IsUnreachable(_node))
        {
            if (_persistence is not null)
            {
                // The connection's node crashed (or is cut off): continue from the store, then take this attach.
                Stash.Stash();
                Context.Unwatch(_node);
                _node = null;
                StartRecovery("the node holding its connection is unreachable");
                return;
            }

            // The connection's node crashed (or is cut off): its live state cannot come back. Say so and start over.
            LoseSession("the node holding its connection is unreachable");
        }

        if (_state.AttachedConnectionId is long current && _node is not null && !IsAttachedTo(request.Node, request.ConnectionId))
        {
            // [MQTT-3.1.4-3] The existing connection is closed (DISCONNECT 0x8E) and hands the session back before
            // the new one gets it. Its node answers ConnectionClosed even when the connection is already gone.
            _pendingAttach = request;
            _node.Tell(new DisconnectConnection(ClientId, current, ReasonCode.SessionTakenOver), Self);
            Timers.StartSingleTimer(TakeoverTimer, TakeoverTimedOut.Instance, _options.TakeoverTimeout);
            return;
        }

        CompleteAttach(request);
    }

    /// <summary>A node the failure detector lost cannot hand the session back: the takeover does not wait for it.</summary>
    private static bool IsUnreachable(IActorRef node)
    {
        Address address = node.Path.Address;
        if (address.HasLocalScope)
        {
            return false;
        }

        foreach (Member member in Akka.Cluster.Cluster.Get(Context.System).State.Unreachable)
        {
            if (member.Address.Equals(address))
            {
                return true;
            }
        }

        return false;
    }

    private void CompleteAttach(AttachSession request)
    {
        Timers.Cancel(TakeoverTimer);
        Timers.Cancel(WillTimer);
        Timers.Cancel(ExpiryTimer);
        var attach = new SessionAttachRequest(request.ClientId, request.CleanStart, request.ConnectionId, request.SessionExpiryInterval);
        SessionAttachResult result = _state.Attach(attach, Now, out PendingWill? will);
        if (will is not null)
        {
            _localNode.Tell(new PublishWill(request.ClientId, will.Message));
        }

        // A connection that ended on a leaving node (its hand-back lost, or a takeover): its node moved the endpoint.
        if (_movedEndpoint is { } moved)
        {
            _movedEndpoint = null;
            SetNode(moved);
        }

        // The node the client left keeps no endpoint and no routes for the session (no ghost routes, no
        // duplicates) — once the new node's routes reached every node when the session's subscriptions moved
        // (until then the old node's routes still bring the session's messages here), at once otherwise.
        ForgetPreviousNode();
        if (_node is not null && !_node.Equals(request.Node))
        {
            if (result.SessionPresent && result.Snapshot.Subscriptions.Count > 0)
            {
                _forgetAfterRoutes = _node;
                Timers.StartSingleTimer(ForgetTimer, ForgetPreviousNodeDue.Instance, RouteReplicatorActor.PropagationTimeout + TimeSpan.FromSeconds(2));
            }
            else
            {
                _node.Tell(new ForgetSession(request.ClientId));
            }
        }

        SetNode(request.Node);
        _sessionExpiryInterval = request.SessionExpiryInterval;
        _onlineWill = request.Will;
        _adoptHandBackFrom = null;
        if (!attach.IsEphemeral)
        {
            _persistence?.Attached(SessionPersistence.HomeOf(request.Node, Context.System), request.SessionExpiryInterval, result.Snapshot.Subscriptions, _onlineWill, newConnection: true);
        }
        else if (_persistence?.Home is not null)
        {
            _persistence.Delete(); // the session ends with this connection: nothing of it is to be recovered
        }

        var attached = new SessionAttached(request.ClientId, request.ConnectionId, result.SessionPresent, request.SessionExpiryInterval, result.Snapshot);
        SendReply(attached);
        _unconfirmed = attach.IsEphemeral ? null : attached;
        if (attach.IsEphemeral && _stashed == 0)
        {
            // The session ends with its connection and nothing of it is durable: keep no actor (and its ~3 KB)
            // per online client. The ClientId registry knows the connection; the node closes it on takeover.
            _state.End();
            Passivate();
            return;
        }

        AnnounceIfPersistent();
        UnstashWaitingAttaches();
    }

    private void ForgetPreviousNode()
    {
        if (_forgetAfterRoutes is { } previous)
        {
            _forgetAfterRoutes = null;
            Timers.Cancel(ForgetTimer);
            previous.Tell(new ForgetSession(ClientId));
        }
    }

    private void SendReply(SessionAttached reply)
    {
        long size = _node!.Path.Address.HasLocalScope ? 0 : MessageParts.EstimateSize(reply.Snapshot);
        MessageParts.Send(Context.System, _node, reply.ClientId, reply, size, Self);
    }

    /// <summary>The registry learns of every persistent session, so a clean connect of that ClientId ends it.</summary>
    private void AnnounceIfPersistent()
    {
        if (_state.Exists && !_announced)
        {
            _announced = true;
            _clientIds.Tell(new PersistentSessionExists(ClientId));
        }
    }

    private void CompletePendingAttach()
    {
        if (_pendingAttach is { } pending)
        {
            _pendingAttach = null;
            Timers.Cancel(TakeoverTimer);
            CompleteAttach(pending);
        }
    }

    private void UnstashWaitingAttaches()
    {
        if (_stashed > 0)
        {
            _stashed = 0;
            Stash.UnstashAll();
        }
    }
}
