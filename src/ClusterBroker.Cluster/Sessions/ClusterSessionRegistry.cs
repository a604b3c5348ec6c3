using Akka.Actor;
using ClusterBroker.Cluster.Messages;
using ClusterBroker.Core.Messages;
using ClusterBroker.Core.Sessions;

namespace ClusterBroker.Cluster.Sessions;

/// <summary>
/// Core's view of the session owners: every call becomes a message to the session shard region
/// (the entity named by the ClientId, wherever it lives in the cluster).
/// </summary>
public sealed class ClusterSessionRegistry(TimeSpan attachTimeout) : ISessionRegistry
{
    private IActorRef _region = ActorRefs.Nobody;
    private IActorRef _node = ActorRefs.Nobody;

    public IActorRef Region => _region;

    /// <summary>Connects the registry to the shard region and to this node's actor (once, at start-up).</summary>
    public void Bind(IActorRef region, IActorRef node)
    {
        _region = region;
        _node = node;
    }

    private static readonly Task<SessionAttachResult> s_newEphemeralSession = Task.FromResult(new SessionAttachResult(false, SessionSnapshot.Empty));

    public Task<SessionAttachResult> AttachAsync(SessionAttachRequest request, CancellationToken cancellationToken)
    {
        var attach = new AttachSession(request.ClientId, request.CleanStart, request.ConnectionId, _node, request.SessionExpiryInterval);
        if (request.CleanStart && request.IsEphemeral)
        {
            // Nothing to resume and nothing to keep: the answer is known. The entity still gets the attach (it ends any
            // older session and publishes its pending Will) but the connection does not wait for the round trip,
            // which keeps connection storms of clean clients off the sharding path.
            _region.Tell(attach, ActorRefs.NoSender);
            return s_newEphemeralSession;
        }

        return AskAsync(attach, cancellationToken);
    }

    private async Task<SessionAttachResult> AskAsync(AttachSession attach, CancellationToken cancellationToken)
    {
        SessionAttached attached = await _region.Ask<SessionAttached>(
            attach, attachTimeout, cancellationToken).ConfigureAwait(false);
        return new SessionAttachResult(attached.SessionPresent, attached.Snapshot);
    }

    public void Detach(SessionDetachRequest request) =>
        _region.Tell(new DetachSession(request.ClientId, request.ConnectionId, request.SessionExpiryInterval, request.Snapshot, request.Will));

    public void EnqueueOffline(string clientId, QueuedMessage message) => _region.Tell(new EnqueueMessage(clientId, message));
}
