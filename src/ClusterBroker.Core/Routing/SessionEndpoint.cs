using ClusterBroker.Core.Messages;
using ClusterBroker.Protocol;

namespace ClusterBroker.Core.Routing;

/// <summary>
/// The node's routing handle of one session (the subscriber key in the subscription trie). It outlives
/// connections: while the client is online deliveries go straight to its connection; while it is away
/// QoS 1/2 deliveries go to the session owner's queue. Its subscriptions are guarded by the router's lock.
/// </summary>
public sealed class SessionEndpoint
{
    [ThreadStatic]
    private static int t_redispatchDepth;

    private readonly NodeRouter _router;
    private IDeliveryTarget? _target;

    internal SessionEndpoint(string clientId, NodeRouter router)
    {
        ClientId = clientId;
        _router = router;
    }

    public string ClientId { get; }

    public bool IsOnline => Volatile.Read(ref _target) is not null;

    /// <summary>
    /// The session outlives its connection (Session Expiry Interval &gt; 0; 3.1.1 clean session 0): it gets the messages
    /// replayed from a crashed node's publish journal (<see cref="Messages.BrokerMessage.Replayed"/>).
    /// </summary>
    public bool Persistent
    {
        get => Volatile.Read(ref _persistent);
        set
        {
            if (Volatile.Read(ref _persistent) != value)
            {
                Volatile.Write(ref _persistent, value);
                _router.PersistenceChanged(this);
            }
        }
    }

    private bool _persistent;

    /// <summary>Whether the router counts this session's plain filters as persistent ones; guarded by the router's lock.</summary>
    internal bool CountedPersistent { get; set; }

    /// <summary>
    /// When a subscription of this session was last added or changed on this node (a <see cref="System.Diagnostics.Stopwatch"/>
    /// timestamp; set under the router's lock): a replayed message that arrived here as a forward before it reached this
    /// session then (<see cref="ReceivedForwards"/>).
    /// </summary>
    internal long SubscribedAt { get; set; }

    /// <summary>This session's subscriptions by filter as written; guarded by the router's lock; null when none.</summary>
    internal Dictionary<string, Subscription>? Subscriptions { get; set; }

    /// <summary>Set when the endpoint was removed from the router (session ended).</summary>
    internal bool Removed { get; set; }

    /// <summary>Routes deliveries to the connection from now on.</summary>
    public void SetOnline(IDeliveryTarget target)
    {
        Volatile.Write(ref _target, target);
        _router.EndpointOnline(this);
    }

    /// <summary>Routes deliveries to the session owner from now on, unless another connection took over already.</summary>
    public void SetOffline(IDeliveryTarget target)
    {
        if (Interlocked.CompareExchange(ref _target, null, target) == target)
        {
            _router.EndpointOffline(this);
        }
    }

    /// <summary>
    /// Delivers to the online connection, else queues QoS 1/2 messages in the session (QoS 0 as well with
    /// <see cref="BrokerOptions.QueueQoS0Messages"/>).
    /// </summary>
    public void Deliver(in Delivery delivery)
    {
        IDeliveryTarget? target = Volatile.Read(ref _target);
        if (target is not null && target.TryDeliver(delivery))
        {
            return;
        }

        // A shared-group message chosen for a connection that closed meanwhile goes to another member rather than
        // waiting in this session. The depth guard stops two closing members from passing one message back and forth.
        if (delivery.Group is { } group && t_redispatchDepth < 3)
        {
            t_redispatchDepth++;
            try
            {
                if (_router.Redispatch(group, delivery.ToQueued(), this))
                {
                    return;
                }
            }
            finally
            {
                t_redispatchDepth--;
            }
        }

        if ((delivery.QoS != QualityOfService.AtMostOnce || _router.QueueQoS0Messages) && !Removed)
        {
            _router.Sessions.EnqueueOffline(ClientId, delivery.ToQueued());
        }
    }
}
