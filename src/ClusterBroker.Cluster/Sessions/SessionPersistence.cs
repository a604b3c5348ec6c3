using Akka.Actor;
using Akka.Cluster;
using ClusterBroker.Core.Messages;
using ClusterBroker.Core.Sessions;
using Microsoft.Extensions.Logging;

namespace ClusterBroker.Cluster.Sessions;

/// <summary>
/// What a session entity writes to the session store, and how it reads it back: one instance per entity, used
/// only from the entity's thread. Writes are issued in order and not awaited (the store keeps their order); a
/// failed write is counted and logged, since what it carried could be missing after a node loss.
/// </summary>
/// <remarks>
/// A session's "home" is the node holding its connection or, while the client is away, its subscriptions. Home
/// ids are "address#uid" so that a node restarted on the same address is a different home: when a node dies,
/// the sessions at home there (the store's per-node index) are recovered by a survivor.
/// </remarks>
internal sealed class SessionPersistence(ISessionStore store, string clientId, ILogger logger, ClusterMetrics metrics)
{
    private string? _home;

    /// <summary>True once the stored session was read (or found not to matter); until then the entity stashes.</summary>
    public bool Loaded { get; private set; }

    /// <summary>The home last written (or read), or null when nothing is stored.</summary>
    public string? Home => _home;

    /// <summary>The home id of the node <paramref name="node"/> (a node actor) runs on.</summary>
    public static string HomeOf(IActorRef node, ActorSystem system)
    {
        var cluster = Akka.Cluster.Cluster.Get(system);
        Address address = node.Path.Address.HasLocalScope ? cluster.SelfAddress : node.Path.Address;
        if (address.Equals(cluster.SelfAddress))
        {
            return IdOf(cluster.SelfUniqueAddress);
        }

        foreach (Member member in cluster.State.Members)
        {
            if (member.Address.Equals(address))
            {
                return IdOf(member.UniqueAddress);
            }
        }

        return address.ToString();
    }

    public static string IdOf(UniqueAddress node) => $"{node.Address}#{node.Uid}";

    /// <summary>Reads the stored session; the entity receives the result as <see cref="SessionLoaded"/>.</summary>
    public void Load(IActorRef entity)
    {
        store.LoadAsync(clientId).ContinueWith(
            static (task, state) =>
            {
                var self = (IActorRef)state!;
                self.Tell(new SessionLoaded(task.IsCompletedSuccessfully ? task.Result : null, task.Exception?.GetBaseException().Message));
            },
            entity,
            TaskScheduler.Default);
    }

    /// <summary>Records what <see cref="Load"/> found; returns it when there is a session to continue.</summary>
    public StoredSessionContents? OnLoaded(SessionLoaded loaded)
    {
        Loaded = true;
        if (loaded.Error is not null)
        {
            logger.LogError("Session store: reading the session of client {ClientId} failed ({Reason}); it continues from what this node knows", clientId, loaded.Error);
            metrics.SessionStoreWriteFailed();
        }

        _home = loaded.Contents?.Session.HomeNode;
        return loaded.Contents;
    }

    /// <summary>The state arrives from the previous owner (a hand-off): nothing to read; its home is where it is now.</summary>
    public void Adopt(string? home)
    {
        Loaded = true;
        _home = home;
    }

    /// <summary>The next messages wait for a new read (a recovery).</summary>
    public void Reload() => Loaded = false;

    /// <summary>No stored session matters (a Clean Start ends it): skip reading and delete whatever is stored.</summary>
    public void StartClean()
    {
        Loaded = true;
        Delete();
    }

    /// <summary>
    /// A connection owns the session now: the record says so, with the Will that connection leaves should it end
    /// without DISCONNECT (its delay counts from the recovery); its pending messages stay until the hand-back.
    /// </summary>
    /// <param name="newConnection">The connection just attached (not a change of its subscriptions): it records its own QoS 2 flows.</param>
    public Task Attached(string home, uint sessionExpiryInterval, IReadOnlyList<Subscription> subscriptions, PendingWill? will, bool newConnection = false) =>
        Save(new StoredSession(home, Online: true, sessionExpiryInterval, 0, will, 0, subscriptions, []), pending: null, newConnection);

    /// <summary>The session's offline state: record and pending messages as they are now.</summary>
    public Task Offline(string home, uint sessionExpiryInterval, SessionRecord record) =>
        Save(new StoredSession(home, Online: false, sessionExpiryInterval, record.ExpiresAtUnixMs, record.Will, record.WillDueAtUnixMs, record.Offline.Subscriptions, record.Offline.IncomingQoS2), record.Offline);

    /// <summary>The record with new subscriptions (while online) or a new home (keeps the pending messages).</summary>
    public Task Updated(StoredSession session) => Save(session, pending: null);

    public void Appended(QueuedMessage message, EnqueueOutcome outcome, int maxQueued)
    {
        if (outcome is EnqueueOutcome.Queued or EnqueueOutcome.QueuedDroppedOldest)
        {
            Watch(store.AppendAsync(clientId, message, outcome == EnqueueOutcome.QueuedDroppedOldest ? maxQueued : 0), "queueing a message");
        }
    }

    public void Delete()
    {
        Watch(store.DeleteAsync(clientId, _home), "deleting the ended session");
        _home = null;
    }

    private Task Save(StoredSession session, SessionSnapshot? pending, bool newConnection = false)
    {
        Task write = store.SaveAsync(clientId, session, _home, pending, newConnection);
        Watch(write, "saving the session");
        _home = session.HomeNode;
        return write;
    }

    private void WriteFailed(string what, string? reason)
    {
        metrics.SessionStoreWriteFailed();
        logger.LogError("Session store: {What} for client {ClientId} failed ({Reason}); after a node loss the session may miss it", what, clientId, reason);
    }

    private void Watch(Task write, string what)
    {
        if (write.IsCompletedSuccessfully)
        {
            return;
        }

        write.ContinueWith(
            static (task, state) =>
            {
                var (self, what) = ((SessionPersistence, string))state!;
                self.WriteFailed(what, task.Exception?.GetBaseException().Message);
            },
            (this, what),
            CancellationToken.None,
            TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously,
            TaskScheduler.Default);
    }
}

/// <summary>The stored session the entity asked for (null when none), or why it could not be read. Never leaves its node.</summary>
internal sealed record SessionLoaded(StoredSessionContents? Contents, string? Error) : INoSerializationVerificationNeeded;
