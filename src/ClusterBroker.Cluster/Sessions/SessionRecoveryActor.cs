using Akka.Actor;
using Akka.Cluster;
using ClusterBroker.Cluster.Messages;
using ClusterBroker.Core.Sessions;
using Microsoft.Extensions.Logging;

namespace ClusterBroker.Cluster.Sessions;

/// <summary>
/// When a node is downed (it crashed or was cut off), the persistent sessions whose home was there (their client
/// was connected there, or their subscriptions were kept there) are continued by their entities from the session
/// store, without waiting for their clients to come back: the oldest surviving member reads the store's index of
/// the dead node and tells each entity to recover. A node that leaves gracefully hands its sessions over itself.
/// </summary>
public sealed class SessionRecoveryActor : UntypedActor
{
    private readonly ISessionStore _store;
    private readonly IActorRef _sessions;
    private readonly ILogger _logger;
    private readonly Akka.Cluster.Cluster _cluster;

    public SessionRecoveryActor(ISessionStore store, IActorRef sessions, ILogger logger)
    {
        _store = store;
        _sessions = sessions;
        _logger = logger;
        _cluster = Akka.Cluster.Cluster.Get(Context.System);
    }

    public static Props Props(ISessionStore store, IActorRef sessions, ILogger logger) =>
        Akka.Actor.Props.Create(() => new SessionRecoveryActor(store, sessions, logger));

    protected override void PreStart() => _cluster.Subscribe(Self, ClusterEvent.SubscriptionInitialStateMode.InitialStateAsEvents, typeof(ClusterEvent.MemberRemoved));

    protected override void PostStop() => _cluster.Unsubscribe(Self);

    protected override void OnReceive(object message)
    {
        switch (message)
        {
            case ClusterEvent.MemberRemoved removed when removed.PreviousStatus == MemberStatus.Down && IsOldestSurvivor(removed.Member):
                string dead = SessionPersistence.IdOf(removed.Member.UniqueAddress);
                _store.SessionsOfNodeAsync(dead).ContinueWith(
                    static (task, state) => new SessionsOfDeadNode((string)state!, task.IsCompletedSuccessfully ? task.Result : null, task.Exception?.GetBaseException().Message),
                    dead,
                    TaskScheduler.Default).PipeTo(Self);
                break;
            case SessionsOfDeadNode { ClientIds: { } clientIds } found:
                foreach (string clientId in clientIds)
                {
                    _sessions.Tell(new RecoverSession(clientId, found.Node));
                }

                _logger.LogInformation("Session recovery: {Count} persistent session(s) had their home on {Node}, which was downed; they continue on the surviving nodes", clientIds.Count, found.Node);
                break;
            case SessionsOfDeadNode found:
                _logger.LogError("Session recovery: reading the sessions of {Node} from the session store failed ({Reason}); they recover when their clients reconnect", found.Node, found.Error);
                break;
            default:
                Unhandled(message);
                break;
        }
    }

    /// <summary>One member does the work: the oldest one up, as every member sees the same ordering.</summary>
    private bool IsOldestSurvivor(Member dead)
    {
        Member? oldest = null;
        foreach (Member member in _cluster.State.Members)
        {
            if (member.Status == MemberStatus.Up && !member.UniqueAddress.Equals(dead.UniqueAddress) && (oldest is null || member.IsOlderThan(oldest)))
            {
                oldest = member;
            }
        }

        return oldest is not null && oldest.UniqueAddress.Equals(_cluster.SelfUniqueAddress);
    }

    private sealed record SessionsOfDeadNode(string Node, IReadOnlyList<string>? ClientIds, string? Error);
}
