using Akka.Actor;
using Akka.Cluster;
using Akka.Cluster.Sharding;
using ClusterBroker.Cluster.ClientIds;
using ClusterBroker.Cluster.Links;
using ClusterBroker.Cluster.Messages;
using ClusterBroker.Cluster.Routing;
using ClusterBroker.Cluster.Sessions;
using ClusterBroker.Core;
using ClusterBroker.Core.Sessions;
using ClusterBroker.Core.Channel;
using ClusterBroker.Core.Connections;
using ClusterBroker.Core.Retained;
using ClusterBroker.Core.Routing;
using ClusterBroker.Core.Sys;
using ClusterBroker.Protocol;
using Microsoft.Extensions.Logging;

namespace ClusterBroker.Cluster;

/// <summary>
/// A broker node: a member of an Akka.NET cluster (of one node when no seed nodes are given) whose client
/// sessions are Akka.Cluster.Sharding entities keyed by ClientId, whose ClientIds are registered cluster-wide,
/// whose router forwards to the other nodes through the replicated route table, with the retained store the
/// host gives it (<see cref="BrokerNodeStores"/>; in memory by default), $SYS publications, and the factory of per-connection protocol handlers the transport plugs in.
/// Start with <see cref="StartAsync(BrokerOptions, ClusterOptions, ILoggerFactory, IAuthenticator?, IAuthorizer?, CancellationToken)"/>,
/// stop (leave the cluster gracefully) with <see cref="StopAsync"/>.
/// </summary>
public sealed class BrokerNode : IAsyncDisposable
{
    /// <summary>Name of the session entity type in sharding.</summary>
    public const string SessionTypeName = "mqtt-session";

    /// <summary>Name of the ClientId registry entity type in sharding.</summary>
    public const string ClientIdTypeName = "mqtt-client-ids";

    private readonly ActorSystem _system;
    private readonly BrokerContext _context;
    private readonly ClusterSessionRegistry _sessions;
    private readonly ILogger _logger;
    private readonly ICancelable? _sysTimer;
    private int _stopped;

    private BrokerNode(ActorSystem system, BrokerContext context, ClusterSessionRegistry sessions, ClusterRouteTable routes, ClusterMetrics clusterMetrics, ICancelable? sysTimer, ILogger logger)
    {
        _system = system;
        _context = context;
        _sessions = sessions;
        Routes = routes;
        ClusterMetrics = clusterMetrics;
        _sysTimer = sysTimer;
        _logger = logger;
        ConnectionHandlers = new MqttConnectionHandlerFactory(context);
    }

    /// <summary>Creates the protocol handler of each accepted connection (given to the transport).</summary>
    public IConnectionHandlerFactory ConnectionHandlers { get; }

    public BrokerOptions Options => _context.Options;

    /// <summary>The node's shared services (router, retained store, metrics...); for the host and tests.</summary>
    public BrokerContext Context => _context;

    /// <summary>Counters; the transport adds bytes received/sent here.</summary>
    public BrokerMetrics Metrics => _context.Metrics;

    /// <summary>Counters of the cluster layer (forwards, route deltas, members).</summary>
    public ClusterMetrics ClusterMetrics { get; }

    /// <summary>The routes other nodes announced.</summary>
    public ClusterRouteTable Routes { get; }

    /// <summary>The shard region of the session entities.</summary>
    public IActorRef SessionRegion => _sessions.Region;

    /// <summary>What the session entity of the client holds (wherever in the cluster it lives); throws on timeout.</summary>
    public Task<SessionQueueReport> QuerySessionQueueAsync(string clientId, TimeSpan timeout) =>
        _sessions.Region.Ask<SessionQueueReport>(new QuerySessionQueue(clientId), timeout);

    /// <summary>The actor system (for tests and diagnostics).</summary>
    public ActorSystem ActorSystem => _system;

    /// <summary>This node's address in the cluster (akka.tcp://name@host:port).</summary>
    public Address Address => Akka.Cluster.Cluster.Get(_system).SelfAddress;

    /// <summary>Completes when the actor system terminated: after <see cref="StopAsync"/>, or when the cluster downed this node.</summary>
    public Task WhenTerminated => _system.WhenTerminated;

    /// <summary>
    /// Readiness at this moment: this node is an Up member and both shard regions (sessions, ClientIds) are
    /// registered with their coordinators (asked of the local regions, bounded by <paramref name="timeout"/>).
    /// </summary>
    public async Task<NodeReadiness> GetReadinessAsync(TimeSpan timeout)
    {
        var reasons = new List<string>();
        if (_system.WhenTerminated.IsCompleted)
        {
            reasons.Add("the actor system has terminated");
            return new NodeReadiness(false, false, "Removed", reasons);
        }

        Member self = Akka.Cluster.Cluster.Get(_system).SelfMember;
        bool up = self.Status == MemberStatus.Up;
        if (!up)
        {
            reasons.Add($"this node's member status is {self.Status}, not Up");
        }

        if (_context.InClusterMinority)
        {
            reasons.Add("this node reaches only a minority of the cluster (it refuses clients until the others are reachable, or it is downed)");
            up = false;
        }

        bool registered = true;
        foreach ((string name, IActorRef region) in new[] { (SessionTypeName, _sessions.Region), (ClientIdTypeName, _sessions.ClientIdRegion) })
        {
            try
            {
                // The region forwards this to its coordinator once registered (else answers with no regions at once):
                // an answer naming this node proves the region is registered and the coordinator reachable.
                CurrentRegions current = await region.Ask<CurrentRegions>(GetCurrentRegions.Instance, timeout).ConfigureAwait(false);
                Address selfAddress = Akka.Cluster.Cluster.Get(_system).SelfAddress;
                if (!current.Regions.Any(a => a.Equals(selfAddress) || a.Host is null))
                {
                    registered = false;
                    reasons.Add($"shard region '{name}' is not registered with its coordinator");
                }
            }
            catch (Exception ex) when (ex is AskTimeoutException or TaskCanceledException)
            {
                registered = false;
                reasons.Add($"shard region '{name}' did not answer within {timeout.TotalMilliseconds:0} ms");
            }
        }

        return new NodeReadiness(up, registered, self.Status.ToString(), reasons);
    }

    /// <summary>The members as this node sees them (its gossip state), with status and reachability.</summary>
    public ClusterView GetClusterView()
    {
        var cluster = Akka.Cluster.Cluster.Get(_system);
        ClusterEvent.CurrentClusterState state = cluster.State;
        var members = new List<ClusterMemberView>();
        foreach (Member member in state.Members)
        {
            members.Add(new ClusterMemberView(
                member.Address.ToString(),
                member.Address.Host ?? "",
                member.Address.Port ?? 0,
                member.Status.ToString(),
                !state.Unreachable.Contains(member),
                member.UniqueAddress.Equals(cluster.SelfUniqueAddress),
                member.Roles.ToList()));
        }

        return new ClusterView(_system.Name, cluster.SelfAddress.ToString(), state.Leader?.ToString(), members);
    }

    public static Task<BrokerNode> StartAsync(
        BrokerOptions options,
        ILoggerFactory loggerFactory,
        IAuthenticator? authenticator = null,
        CancellationToken cancellationToken = default) =>
        StartAsync(options, new ClusterOptions(), loggerFactory, authenticator, authorizer: null, cancellationToken);

    public static Task<BrokerNode> StartAsync(
        BrokerOptions options,
        ClusterOptions cluster,
        ILoggerFactory loggerFactory,
        IAuthenticator? authenticator = null,
        IAuthorizer? authorizer = null,
        CancellationToken cancellationToken = default) =>
        StartAsync(options, cluster, loggerFactory, authenticator, authorizer, stores: null, cancellationToken);

    /// <summary>Starts a node with the given stores (see <see cref="BrokerNodeStores"/>); null = in-memory stores.</summary>
    public static async Task<BrokerNode> StartAsync(
        BrokerOptions options,
        ClusterOptions cluster,
        ILoggerFactory loggerFactory,
        IAuthenticator? authenticator,
        IAuthorizer? authorizer,
        BrokerNodeStores? stores,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(cluster);
        ArgumentNullException.ThrowIfNull(loggerFactory);
        options = options.Clone();
        options.Validate();
        cluster = cluster.Clone();
        if (cluster.GetValidationErrors() is { Count: > 0 } clusterErrors)
        {
            throw new ArgumentException("Invalid cluster options: " + string.Join(" ", clusterErrors));
        }

        ILogger logger = loggerFactory.CreateLogger<BrokerNode>();
        ILogger clusterLogger = loggerFactory.CreateLogger("ClusterBroker.Cluster");
        var clusterMetrics = new ClusterMetrics();
        // The forward link listener binds first: its port goes into this node's cluster role, for the others to find.
        ForwardLinkListener? links = cluster.ForwardPort < 0
            ? null
            : ForwardLinkListener.Bind(string.IsNullOrWhiteSpace(cluster.BindHost) ? cluster.Host : cluster.BindHost, cluster.ForwardPort,
                ClusterConfig.FrameSize(options, cluster), clusterMetrics, clusterLogger);
        ActorSystem system;
        try
        {
            system = ActorSystem.Create(cluster.Name, ClusterConfig.Build(options, cluster, links is null ? [] : [ForwardLinkProtocol.RoleFor(links.Port)]));
        }
        catch
        {
            if (links is not null)
            {
                await links.DisposeAsync().ConfigureAwait(false);
            }

            throw;
        }

        if (links is not null)
        {
            system.RegisterOnTermination(links.Close);
        }

        try
        {
            ISessionStore? sessionStore = stores?.Sessions;
            var sessions = new ClusterSessionRegistry(system, options.TakeoverTimeout + TimeSpan.FromSeconds(10), durableSessions: sessionStore is not null);
            var context = new BrokerContext(options, sessions, loggerFactory, authenticator, stores?.Retained ?? new InMemoryRetainedMessageStore(), authorizer: authorizer);
            var routes = new ClusterRouteTable();

            // Routing first: no subscription may happen before the route observer is in place.
            UniqueAddress self = Akka.Cluster.Cluster.Get(system).SelfUniqueAddress;
            context.Router.Membership = stores?.SharedMembership?.Invoke(NodeIncarnation(self));
            context.Router.Forwarder = new ClusterForwarder(routes, clusterMetrics, context.Router.SharedStrategy, self.Address.ToString(), context.Router.Membership);
            // With durable sessions, each forward sender keeps its last seconds of QoS 1/2 forwards for a crash of its
            // destination: longer than failure detection plus StableAfter, when the dead node's routes still lead there.
            TimeSpan crashReplayWindow = sessionStore is null ? TimeSpan.Zero : cluster.StableAfter + TimeSpan.FromSeconds(15);
            // And every QoS 1/2 message routed here is written to this node's publish journal before its acknowledgement,
            // for the same window: should this node die, a survivor routes again what it acknowledged in its last moments.
            IPublishJournal? journal = sessionStore is null ? null : stores?.PublishJournal?.Invoke(SessionPersistence.IdOf(self), crashReplayWindow);
            context.Journal = journal;
            // QoS 2 stays exactly once across a node loss: each step of a persistent session's QoS 2 flow is recorded first.
            context.QoS2Deliveries = sessionStore is null ? null : stores?.QoS2Deliveries;
            // What other nodes forwarded here to persistent sessions, for as long as a journal can route it again (its
            // window, plus the 30 s a journal is kept beyond it): a replayed copy does not reach a session that had it.
            context.Router.ReceivedForwards = sessionStore is null ? null : new ReceivedForwards(crashReplayWindow + TimeSpan.FromSeconds(30));
            // The crash replay first: the replicator hands it what concerns a crashed node (durable sessions only).
            IActorRef? crashReplay = sessionStore is null ? null : system.ActorOf(CrashReplayActor.Props(sessions, context.Router, journal, clusterLogger), CrashReplayActor.Name);
            IActorRef replicator = system.ActorOf(RouteReplicatorActor.Props(context.Router, routes, clusterMetrics, clusterLogger, crashReplayWindow, crashReplay), RouteReplicatorActor.Name);
            context.Router.RouteObserver = RouteReplicatorActor.Observer(replicator);
            var delivery = new ForwardDelivery(context.Router, routes, clusterMetrics, clusterLogger);
            system.ActorOf(ForwardReceiverActor.Props(delivery, clusterMetrics, clusterLogger), ForwardReceiverActor.Name);
            links?.Start(system, delivery);
            system.ActorOf(ClusterMembershipActor.Props(clusterLogger, clusterMetrics), "cluster-membership");
            system.ActorOf(MinorityFenceActor.Props(context, clusterLogger), MinorityFenceActor.Name);
            IActorRef nodeActor = system.ActorOf(BrokerNodeActor.Props(context, sessions), BrokerNodeActor.Name);

            // Design note 5: ClusterSharding.Get before ClusterShardingSettings.Create; and before joining, so the
            // sharding extension (and its replicator) exists when the other members start talking to it.
            ClusterSharding sharding = ClusterSharding.Get(system);
            await NodeStartupWaits.JoinAsync(system, cluster, logger, cancellationToken).ConfigureAwait(false);

            ClusterShardingSettings settings = ClusterShardingSettings.Create(system).WithRememberEntities(false);
            ILogger sessionLogger = context.SessionLogger;
            BrokerMetrics metrics = context.Metrics;
            TimeProvider time = context.TimeProvider;
            TimeSpan takeover = options.TakeoverTimeout;
            IActorRef clientIdRegion = await sharding.StartAsync(
                ClientIdTypeName,
                bucket => ClientIdRegistryActor.Props(bucket, takeover, clusterLogger),
                settings,
                new ClientIdMessageExtractor()).ConfigureAwait(false);
            IActorRef sessionRegion = await sharding.StartAsync(
                SessionTypeName,
                clientId => SessionActor.Props(clientId, options, sessionLogger, metrics, clusterMetrics, time, nodeActor, clientIdRegion, sessionStore),
                settings,
                new SessionMessageExtractor(100),
                ShardAllocationStrategy.LeastShardAllocationStrategy(absoluteLimit: 1, relativeLimit: 0.1),
                HandOffSession.Instance).ConfigureAwait(false);
            sessions.Bind(sessionRegion, clientIdRegion, nodeActor, replicator, connection => context.Connections.TryGet(connection, out _));
            system.ActorOf(HandOffRescueActor.Props(sessionRegion, clusterLogger), HandOffRescueActor.Name);
            if (sessionStore is not null)
            {
                system.ActorOf(SessionRecoveryActor.Props(sessionStore, sessionRegion, clusterLogger), "session-recovery");
            }

            await NodeStartupWaits.WarmUpShardingAsync(system, sessionRegion, logger, cancellationToken).ConfigureAwait(false);
            await NodeStartupWaits.AwaitRoutesAsync(replicator, logger).ConfigureAwait(false);

            ICancelable? sysTimer = null;
            if (options.SysInterval > TimeSpan.Zero)
            {
                Func<IEnumerable<KeyValuePair<string, long>>>? storeCounters = stores?.SysCounters;
                var sys = new SysTopicPublisher(context, () => storeCounters is null
                    ? ClusterSysCounters.Of(clusterMetrics, routes)
                    : ClusterSysCounters.Of(clusterMetrics, routes).Concat(storeCounters()));
                sys.PublishAll();
                sysTimer = system.Scheduler.Advanced.ScheduleRepeatedlyCancelable(options.SysInterval, options.SysInterval, () =>
                {
                    try
                    {
                        sys.PublishAll();
                    }
                    catch (Exception ex)
                    {
                        logger.LogWarning(ex, "Publishing $SYS topics failed");
                    }
                });
            }

            var akkaCluster = Akka.Cluster.Cluster.Get(system);
            logger.LogInformation(
                "Broker node {Address} is up ({Members} member(s); sessions sharded as '{TypeName}')",
                akkaCluster.SelfAddress, akkaCluster.State.Members.Count(m => m.Status == MemberStatus.Up), SessionTypeName);
            return new BrokerNode(system, context, sessions, routes, clusterMetrics, sysTimer, logger);
        }
        catch
        {
            await system.Terminate().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>A node's name in the shared-group membership: its address and uid (a restart at the same address is another incarnation).</summary>
    public static string NodeIncarnation(UniqueAddress node) =>
        node.Address + "#" + node.Uid.ToString(System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>
    /// Leaves the cluster gracefully: new CONNECTs are refused, every connected client gets DISCONNECT 0x8B
    /// (Server shutting down, 5.0) and hands its session back to its entity; the offline endpoints of
    /// persistent sessions (their subscriptions and routes) move to another node so messages keep reaching
    /// them; then the node leaves (its session shards hand off, each entity passing its state to the next
    /// owner) and the actor system terminates.
    /// </summary>
    public async Task StopAsync(CancellationToken cancellationToken = default)
    {
        if (Interlocked.Exchange(ref _stopped, 1) != 0)
        {
            await _system.WhenTerminated.ConfigureAwait(false);
            return;
        }

        _logger.LogInformation("Broker node shutting down: disconnecting {Count} connection(s)", _context.Connections.Count);
        long started = System.Diagnostics.Stopwatch.GetTimestamp();
        _context.ShuttingDown = true;
        _sysTimer?.Cancel();
        _context.Connections.DisconnectAll(ReasonCode.ServerShuttingDown);
        using (var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
        {
            timeout.CancelAfter(TimeSpan.FromSeconds(5));
            try
            {
                while (_context.Connections.Count > 0)
                {
                    await Task.Delay(10, timeout.Token).ConfigureAwait(false);
                }
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                _logger.LogWarning("{Count} connection(s) did not close within 5 s: {Clients}", _context.Connections.Count,
                    string.Join(", ", _context.Connections.Snapshot().Take(20).Select(c => $"{c.ClientId ?? "(no CONNECT yet)"}{(c.IsConnected ? "" : " (not connected)")}")));
            }
        }

        TimeSpan disconnecting = System.Diagnostics.Stopwatch.GetElapsedTime(started);
        await new OfflineEndpointHandover(_system, _context, _sessions, _logger).MoveAsync().ConfigureAwait(false);
        TimeSpan moving = System.Diagnostics.Stopwatch.GetElapsedTime(started) - disconnecting;
        await CoordinatedShutdown.Get(_system).Run(CoordinatedShutdown.ClrExitReason.Instance).ConfigureAwait(false);
        await _system.WhenTerminated.WaitAsync(TimeSpan.FromSeconds(30), cancellationToken).ConfigureAwait(false);
        // Each step's time: a step that takes seconds is waiting for one of its bounds (5 s for the connections, 10 s
        // for a phase of the coordinated shutdown), which is worth knowing.
        TimeSpan total = System.Diagnostics.Stopwatch.GetElapsedTime(started);
        _logger.LogInformation(
            "Broker node stopped in {Total:F0} ms: connections closed in {Disconnecting:F0} ms, offline endpoints moved in {Moving:F0} ms, left the cluster in {Leaving:F0} ms",
            total.TotalMilliseconds, disconnecting.TotalMilliseconds, moving.TotalMilliseconds, (total - disconnecting - moving).TotalMilliseconds);
    }

    public async ValueTask DisposeAsync() => await StopAsync().ConfigureAwait(false);
}
