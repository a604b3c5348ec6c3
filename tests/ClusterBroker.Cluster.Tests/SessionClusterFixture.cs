using Akka.Actor;
using Akka.Cluster.Sharding;
using ClusterBroker.Cluster.Sessions;
using ClusterBroker.Core;
using Microsoft.Extensions.Logging.Abstractions;

namespace ClusterBroker.Cluster.Tests;

/// <summary>
/// One TestKit on a one-node cluster with the session shard region, shared by the tests of a class
/// (each test uses its own client ids and probes), so the cluster forms once.
/// </summary>
public sealed class SessionClusterFixture : IDisposable
{
    public SessionClusterFixture()
    {
        Kit = new Akka.TestKit.Xunit2.TestKit(ClusterTestConfig.Hocon, "session-actor-tests");
        ActorSystem system = Kit.Sys;
        var cluster = Akka.Cluster.Cluster.Get(system);
        cluster.Join(cluster.SelfAddress);
        Kit.AwaitCondition(() => cluster.SelfMember.Status == Akka.Cluster.MemberStatus.Up, TimeSpan.FromSeconds(30));
        var options = new BrokerOptions { TakeoverTimeout = TimeSpan.FromSeconds(2) };
        LocalNode = Kit.CreateTestProbe();
        IActorRef localNode = LocalNode.Ref;
        ClientIds = Kit.CreateTestProbe();
        IActorRef clientIds = ClientIds.Ref;
        Region = ClusterSharding.Get(system).Start(
            "session",
            id => SessionActor.Props(id, options, NullLogger.Instance, null, new ClusterMetrics(), TimeProvider.System, localNode, clientIds),
            ClusterShardingSettings.Create(system),
            new SessionMessageExtractor(10));
    }

    public Akka.TestKit.Xunit2.TestKit Kit { get; }

    public IActorRef Region { get; }

    /// <summary>Plays the ClientId registry (told when persistent sessions start and end).</summary>
    public Akka.TestKit.TestProbe ClientIds { get; }

    /// <summary>Plays the broker node actor of the node hosting the entities (Wills are published through it).</summary>
    public Akka.TestKit.TestProbe LocalNode { get; }

    public void Dispose() => Kit.Dispose();
}
