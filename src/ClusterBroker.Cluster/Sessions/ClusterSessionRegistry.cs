using System.Collections.Concurrent;
using Akka.Actor;
using ClusterBroker.Cluster.Messages;
using ClusterBroker.Cluster.Routing;
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
/// <remarks>
/// Claims and attaches are resent every <see cref="RetryInterval"/> until answered or the attach timeout, and at once
/// when a member was removed (<see cref="ResendWaiting"/>): a message sent to a shard whose node just died is lost,
/// and the shard answers from its new home only once that node is downed and the shard restarted. Both are idempotent
/// for the same connection; the slow periodic resend keeps a connection that was taken over meanwhile from claiming
/// the ClientId back with a late duplicate under load.
/// </remarks>
public sealed class ClusterSessionRegistry(ActorSystem system, TimeSpan attachTimeout, bool durableSessions = false) : ISessionRegistry
{
    /// <summary>How long to wait for an answer before sending a claim or an attach again.</summary>
    public static readonly TimeSpan RetryInterval = TimeSpan.FromSeconds(2);

    // Completed (and replaced) when waiting claims and attaches should be sent again at once.
    private TaskCompletionSource _resend = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private static readonly SessionAttachResult s_newEphemeralSession = new(false, SessionSnapshot.Empty);

    private readonly ConcurrentDictionary<long, TaskCompletionSource<SessionAttachResult>> _waiting = new();
    private readonly ConcurrentDictionary<long, TaskCompletionSource<bool>> _claiming = new();
    /// <summary>How long a SUBACK of a persistent session waits for its subscriptions to be stored.</summary>
    public static readonly TimeSpan SubscriptionStoreTimeout = TimeSpan.FromSeconds(10);

    private readonly ConcurrentDictionary<long, TaskCompletionSource> _storing = new();
    private long _lastStoreRequest;
    private IActorRef _region = ActorRefs.Nobody;
    private IActorRef _clientIds = ActorRefs.Nobody;
    private IActorRef _node = ActorRefs.Nobody;
    private Func<long, bool> _isOpen = static _ => false;
    private IActorRef _routes = ActorRefs.Nobody;

    /// <summary>The ClientId registry's shard region.</summary>
    public IActorRef ClientIdRegion => _clientIds;

    /// <summary>The session entities' shard region.</summary>
    public IActorRef Region => _region;

    /// <summary>This node's actor (the connections' address in the cluster).</summary>
    public IActorRef Node => _node;

    /// <summary>Connects the registry to the shard regions and to this node's actor (once, at start-up).</summary>
    /// <param name="isOpen">Whether a connection of this node (by number) is still open.</param>
    /// <param name="routes">This node's route replicator (for the propagation barrier of a resumed session).</param>
    public void Bind(IActorRef sessionRegion, IActorRef clientIdRegion, IActorRef node, IActorRef routes, Func<long, bool> isOpen)
    {
        _routes = routes;
        _isOpen = isOpen;
        _region = sessionRegion;
        _clientIds = clientIdRegion;
        _node = node;
    }

    public async Task<SessionAttachResult> AttachAsync(SessionAttachRequest request, CancellationToken cancellationToken)
    {
        bool sessionMayExist = await ClaimAsync(request, cancellationToken).ConfigureAwait(false);
        var attach = new AttachSession(request.ClientId, request.CleanStart, request.ConnectionId, _node, request.SessionExpiryInterval, request.Will);
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
        try
        {
            return await SendUntilAnswered(waiting.Task, () => _region.Tell(attach, ActorRefs.NoSender), cancellationToken).ConfigureAwait(false);
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
        var claim = new ClaimClientId(request.ClientId, request.ConnectionId, _node);
        try
        {
            return await SendUntilAnswered(claimed.Task, () => _clientIds.Tell(claim, _node), cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _claiming.TryRemove(new KeyValuePair<long, TaskCompletionSource<bool>>(request.ConnectionId, claimed));
        }
    }

    private async Task<T> SendUntilAnswered<T>(Task<T> answer, Action send, CancellationToken cancellationToken)
    {
        DateTime deadline = DateTime.UtcNow + attachTimeout;
        while (true)
        {
            TimeSpan left = deadline - DateTime.UtcNow;
            if (left <= TimeSpan.Zero)
            {
                // Given up: nothing is sent after that (an answer to an earlier send is handed back, OnClaimed/OnAttached).
                throw new TimeoutException($"No answer within {attachTimeout.TotalSeconds:0} s.");
            }

            send();
            Task resend = Volatile.Read(ref _resend).Task;
            using var wait = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            Task delay = Task.Delay(left < RetryInterval ? left : RetryInterval, wait.Token);
            Task first = await Task.WhenAny(answer, resend, delay).ConfigureAwait(false);
            await wait.CancelAsync().ConfigureAwait(false);
            if (first == answer)
            {
                return await answer.ConfigureAwait(false);
            }

            cancellationToken.ThrowIfCancellationRequested();
            // Lost on its way (a shard on a node that just died), or a member was removed: send again.
        }
    }

    /// <summary>
    /// A member was removed: its shards restart on the others, so every claim and attach still waiting is sent again
    /// now rather than at its next periodic resend (the node actor calls this shortly after a removal).
    /// </summary>
    public void ResendWaiting() =>
        Interlocked.Exchange(ref _resend, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();

    /// <summary>
    /// The registry's answer (on this node's actor). A repeated answer to a retried claim is ignored; a
    /// connection that gave up and closed meanwhile releases the ClientId again.
    /// </summary>
    internal void OnClaimed(ClientIdClaimed claimed)
    {
        if (_claiming.TryRemove(claimed.ConnectionId, out TaskCompletionSource<bool>? waiting) && waiting.TrySetResult(claimed.SessionMayExist))
        {
            return;
        }

        if (!_isOpen(claimed.ConnectionId))
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
            _region.Tell(new SessionAttachConfirmed(attached.ClientId, attached.ConnectionId), ActorRefs.NoSender);
            return;
        }

        if (_isOpen(attached.ConnectionId))
        {
            return; // the answer to a retried attach, already delivered once
        }

        // The connection gave up (timeout) or is gone: the session goes straight back, nothing is lost.
        _region.Tell(new SessionAttachConfirmed(attached.ClientId, attached.ConnectionId), ActorRefs.NoSender);
        Detach(new SessionDetachRequest(attached.ClientId, attached.ConnectionId, attached.SessionExpiryInterval, attached.Snapshot, null));
    }

    public void Detach(SessionDetachRequest request)
    {
        var detach = new DetachSession(request.ClientId, request.ConnectionId, _node, request.SessionExpiryInterval, request.Snapshot, request.Will);
        MessageParts.Send(system, _region, request.ClientId, detach, MessageParts.EstimateSize(request.Snapshot));
    }

    /// <summary>
    /// Once every other node has this node's routes for the resumed session, the entity lets the node the session
    /// came from forget it; until then that node keeps routing the session's messages to the entity, so a
    /// message published while the routes move is not lost.
    /// </summary>
    public void SubscriptionsRestored(string clientId, long connectionId)
    {
        IActorRef region = _region;
        _routes.Ask<RouteReplicatorActor.RoutesPropagated>(RouteReplicatorActor.AwaitPropagation.Instance, RouteReplicatorActor.PropagationTimeout + TimeSpan.FromSeconds(1))
            .ContinueWith(
                static (_, state) =>
                {
                    var (to, ready) = ((IActorRef, SessionRoutesReady))state!;
                    to.Tell(ready, ActorRefs.NoSender);
                },
                (region, new SessionRoutesReady(clientId, connectionId)),
                TaskScheduler.Default);
    }

    /// <summary>
    /// A barrier: completes with true once every other member applied this node's route changes made so far, or
    /// with false after the propagation timeout.
    /// </summary>
    public async Task<bool> RoutesPropagatedAsync()
    {
        try
        {
            RouteReplicatorActor.RoutesPropagated answer = await _routes.Ask<RouteReplicatorActor.RoutesPropagated>(
                RouteReplicatorActor.AwaitPropagation.Instance, RouteReplicatorActor.PropagationTimeout + TimeSpan.FromSeconds(1)).ConfigureAwait(false);
            return answer.IsEverywhere;
        }
        catch (AskTimeoutException)
        {
            return false;
        }
    }

    public void ConnectionEnded(string clientId, long connectionId) =>
        _clientIds.Tell(new ReleaseClientId(clientId, connectionId, _node), ActorRefs.NoSender);

    public void EnqueueOffline(string clientId, QueuedMessage message) => _region.Tell(new EnqueueMessage(clientId, message));

    /// <summary>
    /// With durable sessions, completes once the entity stored the subscriptions (it answers this node actor), or
    /// after <see cref="SubscriptionStoreTimeout"/> when it does not (its shard moving, the store unreachable: the
    /// entity logs a failed write); the SUBACK waits for it.
    /// </summary>
    public Task SubscriptionsChanged(string clientId, long connectionId, uint sessionExpiryInterval, IReadOnlyList<Subscription> subscriptions)
    {
        if (!durableSessions)
        {
            return Task.CompletedTask;
        }

        long requestId = Interlocked.Increment(ref _lastStoreRequest);
        var stored = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _storing[requestId] = stored;
        _region.Tell(new SessionSubscriptionsChanged(clientId, connectionId, _node, sessionExpiryInterval, subscriptions, requestId), ActorRefs.NoSender);
        return stored.Task.WaitAsync(SubscriptionStoreTimeout).ContinueWith(
            static (_, state) =>
            {
                var (storing, id) = ((ConcurrentDictionary<long, TaskCompletionSource>, long))state!;
                storing.TryRemove(id, out TaskCompletionSource? _);
            },
            (_storing, requestId),
            TaskScheduler.Default);
    }

    public void OnSubscriptionsStored(SubscriptionsStored stored)
    {
        if (_storing.TryRemove(stored.RequestId, out TaskCompletionSource? waiting))
        {
            waiting.TrySetResult();
        }
    }
}
