using Akka.Actor;
using Akka.Cluster;
using Akka.Cluster.Sharding;
using Akka.Configuration;
using ClusterBroker.Cluster.Sessions;
using ClusterBroker.Core;
using ClusterBroker.Core.Channel;
using ClusterBroker.Core.Connections;
using ClusterBroker.Core.Retained;
using ClusterBroker.Core.Sys;
using ClusterBroker.Protocol;
using Microsoft.Extensions.Logging;

namespace ClusterBroker.Cluster;

/// <summary>
/// A broker node: an Akka.NET cluster of one node (self-joined on its remote address) whose client
/// sessions are Akka.Cluster.Sharding entities keyed by ClientId, a node router over the subscription
/// trie, in-memory retained messages, $SYS publications, and the factory of per-connection protocol
/// handlers the transport plugs in. Start with <see cref="StartAsync"/>, stop with <see cref="StopAsync"/>.
/// </summary>
public sealed class BrokerNode : IAsyncDisposable
{
    /// <summary>Name of the session entity type in sharding.</summary>
    public const string SessionTypeName = "mqtt-session";

    private readonly ActorSystem _system;
    private readonly BrokerContext _context;
    private readonly ILogger _logger;
    private readonly ICancelable? _sysTimer;
    private int _stopped;

    private BrokerNode(ActorSystem system, BrokerContext context, IActorRef sessionRegion, ICancelable? sysTimer, ILogger logger)
    {
        _system = system;
        _context = context;
        SessionRegion = sessionRegion;
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

    /// <summary>The shard region of the session entities.</summary>
    public IActorRef SessionRegion { get; }

    /// <summary>The actor system (for tests and diagnostics).</summary>
    public ActorSystem ActorSystem => _system;

    public static Task<BrokerNode> StartAsync(
        BrokerOptions options,
        ILoggerFactory loggerFactory,
        IAuthenticator? authenticator = null,
        CancellationToken cancellationToken = default) =>
        StartAsync(options, new ClusterOptions(), loggerFactory, authenticator, cancellationToken);

    public static async Task<BrokerNode> StartAsync(
        BrokerOptions options,
        ClusterOptions cluster,
        ILoggerFactory loggerFactory,
        IAuthenticator? authenticator = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(loggerFactory);
        ArgumentNullException.ThrowIfNull(cluster);
        options = options.Clone();
        options.Validate();
        cluster = cluster.Clone();
        if (cluster.GetValidationErrors() is { Count: > 0 } clusterErrors)
        {
            throw new ArgumentException("Invalid cluster options: " + string.Join(" ", clusterErrors));
        }
        ILogger logger = loggerFactory.CreateLogger<BrokerNode>();

        ActorSystem system = ActorSystem.Create(cluster.Name, BuildConfig(options, cluster));
        try
        {
            var registry = new ClusterSessionRegistry(options.TakeoverTimeout + TimeSpan.FromSeconds(10));
            var context = new BrokerContext(options, registry, loggerFactory, authenticator, new InMemoryRetainedMessageStore());

            // Self-join: a cluster of one node on the loopback remote address.
            var akkaCluster = Akka.Cluster.Cluster.Get(system);
            var up = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            akkaCluster.RegisterOnMemberUp(() => up.TrySetResult());
            akkaCluster.Join(akkaCluster.SelfAddress);
            await up.Task.WaitAsync(TimeSpan.FromSeconds(30), cancellationToken).ConfigureAwait(false);

            // Design note 5: ClusterSharding.Get before ClusterShardingSettings.Create.
            ClusterSharding sharding = ClusterSharding.Get(system);
            ClusterShardingSettings settings = ClusterShardingSettings.Create(system).WithRememberEntities(false);
            ILogger sessionLogger = context.SessionLogger;
            BrokerMetrics metrics = context.Metrics;
            TimeProvider time = context.TimeProvider;
            IActorRef region = await sharding.StartAsync(
                SessionTypeName,
                clientId => SessionActor.Props(clientId, options, sessionLogger, metrics, time),
                settings,
                new SessionMessageExtractor(100)).ConfigureAwait(false);

            await WarmUpShardingAsync(region, logger, cancellationToken).ConfigureAwait(false);

            IActorRef nodeActor = system.ActorOf(BrokerNodeActor.Props(context, () => region), "broker-node");
            registry.Bind(region, nodeActor);

            ICancelable? sysTimer = null;
            if (options.SysInterval > TimeSpan.Zero)
            {
                var sys = new SysTopicPublisher(context);
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

            logger.LogInformation(
                "Broker node {Address} is up (cluster of one node, sessions sharded as '{TypeName}')",
                akkaCluster.SelfAddress, SessionTypeName);
            return new BrokerNode(system, context, region, sysTimer, logger);
        }
        catch
        {
            await system.Terminate().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>
    /// Starts one entity through the region and waits for its acknowledgement, retrying: this proves the
    /// region registered with the shard coordinator and a shard can be allocated, so the first CONNECT
    /// neither pays for coordinator start-up nor times out on it (a region still registering may take
    /// several of its retry intervals). The warm-up entity is an ordinary, empty session.
    /// </summary>
    private static async Task WarmUpShardingAsync(IActorRef region, ILogger logger, CancellationToken cancellationToken)
    {
        const int attempts = 12;
        for (int attempt = 1; ; attempt++)
        {
            try
            {
                await region.Ask<object>(
                    new ShardRegion.StartEntity("$cluster-broker-warm-up"), TimeSpan.FromSeconds(5), cancellationToken).ConfigureAwait(false);
                return;
            }
            catch (AskTimeoutException) when (attempt < attempts)
            {
                logger.LogInformation("Session sharding not ready yet (attempt {Attempt} of {Attempts}); retrying", attempt, attempts);
            }
        }
    }

    /// <summary>
    /// Shuts the node down: new CONNECTs are refused, every connected client gets DISCONNECT 0x8B
    /// (Server shutting down, 5.0) and its socket closes; then the node leaves the cluster and the actor
    /// system terminates.
    /// </summary>
    public async Task StopAsync(CancellationToken cancellationToken = default)
    {
        if (Interlocked.Exchange(ref _stopped, 1) != 0)
        {
            await _system.WhenTerminated.ConfigureAwait(false);
            return;
        }

        _logger.LogInformation("Broker node shutting down: disconnecting {Count} connection(s)", _context.Connections.Count);
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
                _logger.LogWarning("{Count} connection(s) did not close within 5 s", _context.Connections.Count);
            }
        }

        await CoordinatedShutdown.Get(_system).Run(CoordinatedShutdown.ClrExitReason.Instance).ConfigureAwait(false);
        await _system.WhenTerminated.WaitAsync(TimeSpan.FromSeconds(30), cancellationToken).ConfigureAwait(false);
        _logger.LogInformation("Broker node stopped");
    }

    public async ValueTask DisposeAsync() => await StopAsync().ConfigureAwait(false);

    private static Config BuildConfig(BrokerOptions options, ClusterOptions cluster)
    {
        string hocon = $$"""
            akka {
              loglevel = WARNING
              stdout-loglevel = WARNING
              log-dead-letters = off
              log-dead-letters-during-shutdown = off
              actor {
                provider = cluster
                serializers {
                  cluster-broker = "ClusterBroker.Cluster.Serialization.ClusterBrokerSerializer, ClusterBroker.Cluster"
                }
                serialization-bindings {
                  "ClusterBroker.Cluster.Messages.IClusterBrokerMessage, ClusterBroker.Cluster" = cluster-broker
                }
              }
              remote.dot-netty.tcp {
                hostname = "{{cluster.Host}}"
                port = {{cluster.Port}}
              }
              cluster {
                seed-nodes = []
                min-nr-of-members = 1
                log-info = off
                sharding {
                  remember-entities = off
                  passivate-idle-entity-after = off
                  distributed-data.durable.keys = []
                }
                distributed-data.durable.keys = []
              }
              coordinated-shutdown {
                run-by-clr-shutdown-hook = off
                exit-clr = off
              }
            }
            """;
        return ConfigurationFactory.ParseString(hocon);
    }
}
