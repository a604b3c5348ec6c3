using System.Collections.Concurrent;
using Akka.Actor;
using ClusterBroker.Cluster.Messages;
using ClusterBroker.Cluster.Serialization;
using ClusterBroker.Core.Messages;
using ClusterBroker.Core.Sessions;

namespace ClusterBroker.Cluster.Sessions;

/// <summary>
/// Core's view of the session owners (<see cref="ISessionRegistry"/>). Attaching first claims the ClientId in
/// the cluster-wide registry (which closes any other connection of the client, on any node, before
/// answering), then asks the session entity (sharded by ClientId) for the session. The entity answers this
/// node's actor, which completes the waiting attach here; an answer that comes after the connection gave up
/// is handed straight back to the entity, so a timed-out attach never loses the session.
/// </summary>
public sealed class ClusterSessionRegistry(ActorSystem system, TimeSpan attachTimeout) : ISessionRegistry
{
    private static readonly SessionAttachResult s_newEphemeralSession = new(false, SessionSnapshot.Empty);

    private readonly ConcurrentDictionary<long, TaskCompletionSource<SessionAttachResult>> _waiting = new();
    private readonly ConcurrentDictionary<long, TaskCompletionSource<bool>> _claiming = new();
    private IActorRef _region = ActorRefs.Nobody;
    private IActorRef _clientIds = ActorRefs.Nobody;
    private IActorRef _node = ActorRefs.Nobody;

    /// <summary>The ClientId registry's shard region.</summary>
    public IActorRef ClientIdRegion => _clientIds;

    /// <summary>The session entities' shard region.</summary>
    public IActorRef Region => _region;

    /// <summary>This node's actor (the connections' address in the cluster).</summary>
    public IActorRef Node => _node;

    /// <summary>Connects the registry to the shard regions and to this node's actor (once, at start-up).</summary>
    public void Bind(IActorRef sessionRegion, IActorRef clientIdRegion, IActorRef node)
    {
        _region = sessionRegion;
        _clientIds = clientIdRegion;
        _node = node;
    }

    public async Task<SessionAttachResult> AttachAsync(SessionAttachRequest request, CancellationToken cancellationToken)
    {
        bool sessionMayExist = await ClaimAsync(request, cancellationToken).ConfigureAwait(false);
        var attach = new AttachSession(request.ClientId, request.CleanStart, request.ConnectionId, _node, request.SessionExpiryInterval);
        if (request.CleanStart && request.IsEphemeral)
        {
            // Nothing to resume and nothing to keep: the answer is known. When an older persistent session may
            // exist, the entity still gets the attach (it ends that session and publishes its pending Will), but
            // the connection does not wait for it; otherwise no entity is involved at all.
            if (sessionMayExist)
            {
                _region.Tell(attach, ActorRefs.NoSender);
            }

            return s_newEphemeralSession;
        }

        var waiting = new TaskCompletionSource<SessionAttachResult>(TaskCreationOptions.RunContinuationsAsynchronously);
        _waiting[request.ConnectionId] = waiting;
        _region.Tell(attach, ActorRefs.NoSender);
        try
        {
            return await waiting.Task.WaitAsync(attachTimeout, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _waiting.TryRemove(new KeyValuePair<long, TaskCompletionSource<SessionAttachResult>>(request.ConnectionId, waiting));
        }
    }

    /// <summary>
    /// Claims the ClientId cluster-wide. The registry answers this node's actor (no temporary asker per
    /// CONNECT: a connection storm costs one message each way and no actor creation).
    /// </summary>
    /// <returns>Whether a persistent session of the ClientId may exist (see <see cref="ClientIdClaimed"/>).</returns>
    private async Task<bool> ClaimAsync(SessionAttachRequest request, CancellationToken cancellationToken)
    {
        var claimed = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
        _claiming[request.ConnectionId] = claimed;
        _clientIds.Tell(new ClaimClientId(request.ClientId, request.ConnectionId, _node), _node);
        try
        {
            return await claimed.Task.WaitAsync(attachTimeout, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _claiming.TryRemove(new KeyValuePair<long, TaskCompletionSource<bool>>(request.ConnectionId, claimed));
        }
    }

    /// <summary>The registry's answer (on this node's actor). A connection that gave up meanwhile releases it again.</summary>
    internal void OnClaimed(ClientIdClaimed claimed)
    {
        if (!_claiming.TryRemove(claimed.ConnectionId, out TaskCompletionSource<bool>? waiting) || !waiting.TrySetResult(claimed.SessionMayExist))
        {
            ConnectionEnded(claimed.ClientId, claimed.ConnectionId);
        }
    }

    /// <summary>The entity's answer (on this node's actor): completes the waiting attach, or hands the session back.</summary>
    internal void OnAttached(SessionAttached attached)
    {
        if (_waiting.TryRemove(attached.ConnectionId, out TaskCompletionSource<SessionAttachResult>? waiting)
            && waiting.TrySetResult(new SessionAttachResult(attached.SessionPresent, attached.Snapshot)))
        {
            return;
        }

        // The connection gave up (timeout) or is gone: the session goes straight back, nothing is lost.
        Detach(new SessionDetachRequest(attached.ClientId, attached.ConnectionId, attached.SessionExpiryInterval, attached.Snapshot, null));
    }

    public void Detach(SessionDetachRequest request)
    {
        var detach = new DetachSession(request.ClientId, request.ConnectionId, _node, request.SessionExpiryInterval, request.Snapshot, request.Will);
        MessageParts.Send(system, _region, request.ClientId, detach, MessageParts.EstimateSize(request.Snapshot));
    }

    public void ConnectionEnded(string clientId, long connectionId) =>
        _clientIds.Tell(new ReleaseClientId(clientId, connectionId, _node), ActorRefs.NoSender);

    public void EnqueueOffline(string clientId, QueuedMessage message) => _region.Tell(new EnqueueMessage(clientId, message));
}
