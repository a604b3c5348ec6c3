using Akka.Actor;
using Akka.Cluster;
using ClusterBroker.Cluster.ClientIds;
using ClusterBroker.Cluster.Messages;
using ClusterBroker.Cluster.Routing;
using ClusterBroker.Cluster.Serialization;
using ClusterBroker.Cluster.Sessions;
using ClusterBroker.Core;
using ClusterBroker.Core.Channel;
using ClusterBroker.Core.Routing;
using ClusterBroker.Topics;
using Microsoft.Extensions.Logging;

namespace ClusterBroker.Cluster;

/// <summary>
/// One per node (/user/broker-node): the address session entities and ClientId registry shards use to reach
/// this node's connections and router — close a connection on takeover and confirm it, hand over a message or
/// the attached session, publish a Will, forget or host a session's offline endpoint, report connections to
/// a restarted registry shard. A thin shell over Core's <see cref="BrokerContext"/>; it holds no
/// per-connection state.
/// </summary>
public sealed class BrokerNodeActor : UntypedActor, IWithTimers
{
    public const string Name = "broker-node";

    private readonly BrokerContext _context;
    private readonly ClusterSessionRegistry _sessions;
    private readonly MessagePartAssembler _assembler;

    // Offline endpoints to forget once the other members' forwards sent before have arrived, by marker id.
    private readonly Dictionary<long, PendingForget> _forgetting = new();
    private long _lastForget;

    /// <summary>The longest an offline endpoint is kept for forwards still on their way before it is forgotten.</summary>
    public static readonly TimeSpan ForgetTimeout = TimeSpan.FromSeconds(2);

    public BrokerNodeActor(BrokerContext context, ClusterSessionRegistry sessions)
    {
        _context = context;
        _sessions = sessions;
        _assembler = new MessagePartAssembler((ExtendedActorSystem)Context.System);
    }

    public ITimerScheduler Timers { get; set; } = null!;

    public static Props Props(BrokerContext context, ClusterSessionRegistry sessions) =>
        Akka.Actor.Props.Create(() => new BrokerNodeActor(context, sessions));

    /// <summary>
    /// After a member is removed, when the CONNECTs waiting for its shards are sent again: its shards restart elsewhere
    /// 0.1 s after the removal (down-removal-margin), and a region learns the new home within its 100 ms retry, so from
    /// 0.15 s on, often at first (one small message per waiting CONNECT each time), then the periodic resend.
    /// </summary>
    private static readonly TimeSpan[] ResendAfterRemoval =
    [
        TimeSpan.FromMilliseconds(150), TimeSpan.FromMilliseconds(250), TimeSpan.FromMilliseconds(350), TimeSpan.FromMilliseconds(500), TimeSpan.FromMilliseconds(650), TimeSpan.FromMilliseconds(800),
        TimeSpan.FromMilliseconds(1000), TimeSpan.FromMilliseconds(1250), TimeSpan.FromMilliseconds(1500), TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(3),
    ];

    protected override void PreStart() =>
        Akka.Cluster.Cluster.Get(Context.System).Subscribe(Self, ClusterEvent.SubscriptionInitialStateMode.InitialStateAsEvents, typeof(ClusterEvent.MemberRemoved));

    protected override void PostStop() => Akka.Cluster.Cluster.Get(Context.System).Unsubscribe(Self);

    protected override void OnReceive(object message)
    {
        switch (message)
        {
            case DisconnectConnection m:
                OnDisconnect(m);
                break;
            case ClusterEvent.MemberRemoved removed:
                for (int i = 0; i < ResendAfterRemoval.Length; i++)
                {
                    Timers.StartSingleTimer((removed.Member.UniqueAddress, i), ResendWaiting.Instance, ResendAfterRemoval[i]);
                }

                break;
            case ResendWaiting:
                _sessions.ResendWaiting();
                break;
            case DeliverToConnection m:
                if (!(m.ConnectionId == DeliverToConnection.AnyConnection
                        ? _context.Connections.TryGetByClientId(m.ClientId, out MqttChannel holder) && holder.TryDeliver(Core.Routing.Delivery.FromQueued(m.Message))
                        : _context.Connections.Deliver(m.ConnectionId, m.Message)))
                {
                    _context.ChannelLogger.LogDebug("Client {ClientId}: connection {ConnectionId} is gone; the message on '{Topic}' goes back to its session", m.ClientId, m.ConnectionId, m.Message.Message.Topic);
                    _sessions.Region.Tell(new EnqueueMessage(m.ClientId, m.Message, Self, m.ConnectionId));
                }

                break;
            case SessionAttached m:
                _sessions.OnAttached(m);
                break;
            case ClientIdClaimed m:
                _sessions.OnClaimed(m);
                break;
            case SubscriptionsStored m:
                _sessions.OnSubscriptionsStored(m);
                break;
            case MessagePart m:
                if (_assembler.Add(m) is { } whole)
                {
                    OnReceive(whole);
                }

                break;
            case PublishWill m:
                _context.Publish(m.Message);
                break;
            case ForgetSession m:
                if (_context.Router.TryGetEndpoint(m.ClientId, out SessionEndpoint endpoint) && !endpoint.IsOnline)
                {
                    ForgetAfterForwards(m.ClientId);
                }

                break;
            case ForwardMarker m:
                if (_forgetting.TryGetValue(m.Id, out PendingForget? pending) && --pending.Markers == 0)
                {
                    Forget(m.Id, everyMarker: true);
                }

                break;
            case ForgetDue m:
                Forget(m.Id, everyMarker: false);
                break;
            case HostSessionEndpoint m:
                HostEndpoint(m);
                break;
            case AwaitHostedRoutes:
                // The endpoints asked for before this message are subscribed: their route changes are on their way.
                _sessions.RoutesPropagatedAsync().PipeTo(Sender, success: static everywhere => new HostedRoutesPropagated(everywhere));
                break;
            case ReportConnections m:
                Sender.Tell(new ConnectionsReport(ConnectionsInBucket(m.Bucket, m.BucketCount)));
                break;
            default:
                Unhandled(message);
                break;
        }
    }

    /// <summary>
    /// The session's offline endpoint here is removed once every other member's forwards sent here before now have
    /// arrived (a <see cref="ForwardMarker"/> through each member's forward sender for this node), or after
    /// <see cref="ForgetTimeout"/>. A message another node routed just before the session's new connection
    /// subscribed (on a node that has the route already, so no route change to wait for) may still be on its way here;
    /// until it arrives, only this endpoint can give it to the session.
    /// </summary>
    private void ForgetAfterForwards(string clientId)
    {
        var cluster = Akka.Cluster.Cluster.Get(Context.System);
        string sender = RouteReplicatorActor.ForwardSenderName(cluster.SelfUniqueAddress);
        long id = ++_lastForget;
        int markers = 0;
        foreach (Member member in cluster.State.Members)
        {
            if (member.Status is MemberStatus.Up or MemberStatus.Leaving or MemberStatus.WeaklyUp
                && !member.UniqueAddress.Equals(cluster.SelfUniqueAddress) && !cluster.State.Unreachable.Contains(member))
            {
                Context.ActorSelection(new RootActorPath(member.Address) / "user" / RouteReplicatorActor.Name / sender).Tell(new ForwardMarker(id));
                markers++;
            }
        }

        _forgetting[id] = new PendingForget(clientId) { Markers = markers };
        if (markers == 0)
        {
            Forget(id, everyMarker: true);
            return;
        }

        Timers.StartSingleTimer(id, new ForgetDue(id), ForgetTimeout);
    }

    private void Forget(long id, bool everyMarker)
    {
        if (!_forgetting.Remove(id, out PendingForget? pending))
        {
            return;
        }

        Timers.Cancel(id);

        if (_context.Router.TryGetEndpoint(pending.ClientId, out SessionEndpoint endpoint) && !endpoint.IsOnline)
        {
            _context.ChannelLogger.LogDebug(
                "Client {ClientId}: its offline endpoint here is forgotten (the session is elsewhere){Markers}",
                pending.ClientId, everyMarker ? "" : $"; {pending.Markers} member(s) did not confirm their forwards within {ForgetTimeout.TotalSeconds:0} s");
            _context.Router.RemoveEndpoint(endpoint);
        }
    }

    private void OnDisconnect(DisconnectConnection m)
    {
        IActorRef replyTo = Sender;
        var closed = new ConnectionClosed(m.ClientId, m.ConnectionId);
        if (!_context.Connections.TryGet(m.ConnectionId, out MqttChannel channel))
        {
            replyTo.Tell(closed);
            return;
        }

        // Answered once the connection has ended and handed its session back.
        channel.DisconnectFromServer(m.ReasonCode).ContinueWith(
            static (_, state) =>
            {
                var (to, reply) = ((IActorRef, ConnectionClosed))state!;
                to.Tell(reply);
            },
            (replyTo, closed),
            TaskScheduler.Default);
    }

    private void HostEndpoint(HostSessionEndpoint m)
    {
        NodeRouter router = _context.Router;
        SessionEndpoint endpoint = router.GetOrAddEndpoint(m.ClientId);
        if (endpoint.IsOnline || router.GetSubscriptions(endpoint).Count > 0)
        {
            return; // the client is back here already, with its own subscriptions
        }

        _context.ChannelLogger.LogDebug("Client {ClientId}: hosting its offline endpoint here ({Count} subscription(s))", m.ClientId, m.Subscriptions.Count);
        endpoint.Persistent = true; // only persistent sessions have an offline endpoint to host
        foreach (Core.Messages.Subscription subscription in m.Subscriptions)
        {
            TopicValidator.ValidateSubscriptionFilter(subscription.Filter, default, out SharedSubscriptionFilter? shared);
            router.Subscribe(endpoint, subscription, shared, 0);
        }
    }

    private List<ConnectionEntry> ConnectionsInBucket(int bucket, int bucketCount)
    {
        var entries = new List<ConnectionEntry>();
        foreach ((string clientId, long connectionId, bool persistent) in _context.Connections.ClientConnections())
        {
            if (ClientIdBuckets.Of(clientId, bucketCount) == bucket)
            {
                entries.Add(new ConnectionEntry(clientId, connectionId, persistent));
            }
        }

        foreach (SessionEndpoint endpoint in _context.Router.Endpoints())
        {
            if (!endpoint.IsOnline && ClientIdBuckets.Of(endpoint.ClientId, bucketCount) == bucket)
            {
                entries.Add(new ConnectionEntry(endpoint.ClientId, -1, Persistent: true));
            }
        }

        return entries;
    }

    private sealed class PendingForget(string clientId)
    {
        public string ClientId { get; } = clientId;

        public int Markers { get; set; }
    }

    private sealed record ForgetDue(long Id);
}

/// <summary>Local: send the waiting claims and attaches again (a member was removed).</summary>
internal sealed class ResendWaiting
{
    public static readonly ResendWaiting Instance = new();

    private ResendWaiting()
    {
    }
}
