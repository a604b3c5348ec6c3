using ClusterBroker.Core.Messages;
using Microsoft.Extensions.Logging;

namespace ClusterBroker.Core.Sessions;

/// <summary>
/// The durable state of one client's session and the rules that change it, as owned by the session
/// actor (a thin shell around this class). While the client is online the connection holds the live
/// state (inflight, queue, subscriptions) and this object only knows which connection is attached; at
/// detach the connection hands the state back here, where it waits (queue bounded, messages expiring)
/// until the client returns or the Session Expiry Interval elapses. Not thread-safe; time is passed in.
/// </summary>
public sealed class SessionState(string clientId, BrokerOptions options, ILogger logger, BrokerMetrics? metrics = null)
{
    private readonly BoundedMessageQueue _queue = new();
    private IReadOnlyList<Subscription> _subscriptions = [];
    private IReadOnlyList<InflightMessage> _inflight = [];
    private IReadOnlyList<ushort> _incomingQoS2 = [];

    public string ClientId { get; } = clientId;

    /// <summary>True once a connection attached and the session was not ended since.</summary>
    public bool Exists { get; private set; }

    /// <summary>The connection that owns the session now, or null while the client is away.</summary>
    public long? AttachedConnectionId { get; private set; }

    /// <summary>When the offline session ends (Unix ms); 0 while attached or when it does not exist.</summary>
    public long ExpiresAtUnixMs { get; private set; }

    /// <summary>The Will waiting for its delay, if any.</summary>
    public PendingWill? Will { get; private set; }

    /// <summary>When <see cref="Will"/> is due (Unix ms).</summary>
    public long WillDueAtUnixMs { get; private set; }

    public int QueuedCount => _queue.Count;

    public int InflightCount => _inflight.Count;

    public IReadOnlyList<Subscription> Subscriptions => _subscriptions;

    public long DroppedMessages => _queue.Dropped;

    /// <summary>
    /// Hands the session to a connection. With Clean Start any existing state is discarded. A pending
    /// Will is cancelled when the session continues, and returned in <paramref name="willToPublish"/>
    /// when it ends here (Clean Start), since the old session is over ([MQTT-3.1.3-9]).
    /// </summary>
    public SessionAttachResult Attach(SessionAttachRequest request, long nowUnixMs, out PendingWill? willToPublish)
    {
        willToPublish = null;
        if (Will is not null)
        {
            if (request.CleanStart)
            {
                willToPublish = Will;
            }

            Will = null;
            WillDueAtUnixMs = 0;
        }

        bool present = Exists && !request.CleanStart;
        SessionSnapshot snapshot;
        if (present)
        {
            var queued = new List<QueuedMessage>(_queue.Count);
            _queue.DrainTo(queued, nowUnixMs);
            snapshot = new SessionSnapshot(_subscriptions, _inflight, queued, _incomingQoS2);
        }
        else
        {
            snapshot = SessionSnapshot.Empty;
        }

        // The connection owns the live state now; keep nothing twice.
        _subscriptions = [];
        _inflight = [];
        _incomingQoS2 = [];
        _queue.Clear();
        Exists = true;
        AttachedConnectionId = request.ConnectionId;
        ExpiresAtUnixMs = 0;
        return new SessionAttachResult(present, snapshot);
    }

    /// <summary>
    /// Takes the session back from a connection that ended. Returns false when the session ends now
    /// (expiry interval 0), true when it waits for the client. A detach from a connection that no longer
    /// owns the session (it was taken over) changes nothing.
    /// </summary>
    public bool Detach(SessionDetachRequest request, long nowUnixMs)
    {
        if (AttachedConnectionId != request.ConnectionId)
        {
            return Exists;
        }

        AttachedConnectionId = null;
        if (request.SessionExpiryInterval == 0)
        {
            End();
            return false;
        }

        _subscriptions = request.Snapshot.Subscriptions;
        _inflight = request.Snapshot.Inflight;
        _incomingQoS2 = request.Snapshot.IncomingQoS2;
        foreach (QueuedMessage message in request.Snapshot.Queued)
        {
            if (!message.Message.IsExpired(nowUnixMs))
            {
                _queue.EnqueueUnbounded(message);
            }
        }

        ExpiresAtUnixMs = nowUnixMs + (request.SessionExpiryInterval * 1000L);
        if (request.Will is not null)
        {
            Will = request.Will;
            WillDueAtUnixMs = nowUnixMs + (request.Will.DelaySeconds * 1000L);
        }

        return true;
    }

    /// <summary>Queues a message for the offline client (bounded, with the configured drop policy).</summary>
    public EnqueueOutcome Enqueue(QueuedMessage message, long nowUnixMs) =>
        _queue.Enqueue(message, options, nowUnixMs, ClientId, logger, metrics);

    /// <summary>True when the session is offline and its expiry interval elapsed.</summary>
    public bool IsExpired(long nowUnixMs) => AttachedConnectionId is null && Exists && ExpiresAtUnixMs != 0 && nowUnixMs >= ExpiresAtUnixMs;

    /// <summary>Takes the Will when its delay elapsed, or when the session ends first ([MQTT-3.1.3-9]).</summary>
    public PendingWill? TakeDueWill(long nowUnixMs)
    {
        if (Will is null || (nowUnixMs < WillDueAtUnixMs && !IsExpired(nowUnixMs)))
        {
            return null;
        }

        PendingWill will = Will;
        Will = null;
        WillDueAtUnixMs = 0;
        return will;
    }

    /// <summary>Everything this owner holds, for a new owner to continue from (<see cref="Restore"/>).</summary>
    public SessionRecord Export(long nowUnixMs)
    {
        var queued = new List<QueuedMessage>(_queue.Count);
        _queue.DrainTo(queued, nowUnixMs);
        foreach (QueuedMessage message in queued)
        {
            _queue.EnqueueUnbounded(message);
        }

        return new SessionRecord(Exists, AttachedConnectionId, ExpiresAtUnixMs, Will, WillDueAtUnixMs, new SessionSnapshot(_subscriptions, _inflight, queued, _incomingQoS2));
    }

    /// <summary>Continues a session another owner exported; replaces whatever this one held.</summary>
    public void Restore(SessionRecord record)
    {
        End();
        Exists = record.Exists;
        AttachedConnectionId = record.AttachedConnectionId;
        ExpiresAtUnixMs = record.ExpiresAtUnixMs;
        Will = record.Will;
        WillDueAtUnixMs = record.WillDueAtUnixMs;
        _subscriptions = record.Offline.Subscriptions;
        _inflight = record.Offline.Inflight;
        _incomingQoS2 = record.Offline.IncomingQoS2;
        foreach (QueuedMessage message in record.Offline.Queued)
        {
            _queue.EnqueueUnbounded(message);
        }
    }

    /// <summary>
    /// The connection holding the session vanished without handing it back (its node was removed from the
    /// cluster): the live state it held is gone, so the session ends; the client starts a new one.
    /// </summary>
    public void LoseConnection()
    {
        if (AttachedConnectionId is not null)
        {
            AttachedConnectionId = null;
            End();
        }
    }

    /// <summary>
    /// Ends the session: releases every message and subscription, and forgets the connection (an ephemeral session
    /// ends as soon as it is attached; its owner must not take a later attach for a takeover of that connection).
    /// </summary>
    public void End()
    {
        AttachedConnectionId = null;
        _subscriptions = [];
        _inflight = [];
        _incomingQoS2 = [];
        _queue.Clear();
        Exists = false;
        ExpiresAtUnixMs = 0;
        Will = null;
        WillDueAtUnixMs = 0;
    }
}
