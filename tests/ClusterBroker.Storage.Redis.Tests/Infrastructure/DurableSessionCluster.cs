using Akka.Actor;
using Akka.Cluster.Sharding;
using ClusterBroker.Cluster;
using ClusterBroker.Cluster.Sessions;
using ClusterBroker.Core;
using ClusterBroker.Storage.Redis.Sessions;

namespace ClusterBroker.Storage.Redis.Tests.Infrastructure;

/// <summary>
/// Session entities over the real Redis session store: a redis-server, a one-node Akka cluster with the broker's
/// serializer and the session shard region, shared by the tests of a class (each uses its own ClientIds and probes).
/// Probes play the broker nodes holding connections.
/// </summary>
public sealed class DurableSessionCluster : IAsyncLifetime
{
    private RedisServer? _redis;
    private RedisConnection? _connection;

    public Akka.TestKit.Xunit2.TestKit Kit { get; private set; } = null!;

    public RedisSessionStore Store { get; private set; } = null!;

    /// <summary>What the session entities and the store logged (Information and above).</summary>
    public LogCapture Logs { get; } = new();

    public IActorRef Region { get; private set; } = ActorRefs.Nobody;

    /// <summary>The home id the store gives this node (sessions of the probes' connections are at home here).</summary>
    public string LocalHome { get; private set; } = "";

    public async Task InitializeAsync()
    {
        _redis = await RedisServer.StartAsync();
        _connection = await RedisConnection.ConnectAsync(new RedisOptions { Configuration = _redis.Configuration, KeyPrefix = Unique.Prefix() }, Logs);
        Store = new RedisSessionStore(_connection, Logs);
        Kit = new Akka.TestKit.Xunit2.TestKit(ClusterBroker.Cluster.Tests.ClusterTestConfig.Hocon, "durable-session-tests");
        ActorSystem system = Kit.Sys;
        var cluster = Akka.Cluster.Cluster.Get(system);
        cluster.Join(cluster.SelfAddress);
        Kit.AwaitCondition(() => cluster.SelfMember.Status == Akka.Cluster.MemberStatus.Up, TimeSpan.FromSeconds(30));
        LocalHome = $"{cluster.SelfUniqueAddress.Address}#{cluster.SelfUniqueAddress.Uid}"; // a node's id in the store: address and uid
        var options = new BrokerOptions { TakeoverTimeout = TimeSpan.FromSeconds(5) };
        IActorRef localNode = Kit.CreateTestProbe().Ref;
        IActorRef clientIds = Kit.CreateTestProbe().Ref;
        RedisSessionStore store = Store;
        Region = ClusterSharding.Get(system).Start(
            "session",
            id => SessionActor.Props(id, options, Logs.CreateLogger("ClusterBroker.Core.Sessions"), null, new ClusterMetrics(), TimeProvider.System, localNode, clientIds, store),
            ClusterShardingSettings.Create(system),
            new SessionMessageExtractor(10));
    }

    public async Task DisposeAsync()
    {
        Kit?.Shutdown();
        if (_connection is not null)
        {
            await _connection.DisposeAsync();
        }

        if (_redis is not null)
        {
            await _redis.DisposeAsync();
        }
    }
}
