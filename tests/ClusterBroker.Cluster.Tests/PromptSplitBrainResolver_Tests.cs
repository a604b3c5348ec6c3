using Akka.Actor;
using Akka.Configuration;
using ClusterBroker.Cluster.Downing;
using ClusterBroker.Core;

namespace ClusterBroker.Cluster.Tests;

/// <summary>The split-brain resolver checking its decision ten times a second (PromptSplitBrainResolverProvider).</summary>
public sealed class PromptSplitBrainResolver_Tests : Akka.TestKit.Xunit2.TestKit
{
    public PromptSplitBrainResolver_Tests()
        : base("akka.loglevel = WARNING")
    {
    }

    [Fact]
    public void The_Akka_version_in_use_has_the_resolver_tick_the_provider_sends()
    {
        // If an Akka.NET upgrade renames the tick, the resolver falls back to its own 1 s tick: fail here instead.
        object? tick = PromptSplitBrainResolverProvider.ResolverTick;
        Assert.NotNull(tick);
        Assert.Equal("Akka.Cluster.SBR.SplitBrainResolverBase+Tick", tick.GetType().FullName);
    }

    [Fact]
    public void Nodes_are_configured_with_the_prompt_resolver_and_keep_majority()
    {
        Config config = ClusterConfig.Build(new BrokerOptions(), new ClusterOptions());
        Type? provider = Type.GetType(config.GetString("akka.cluster.downing-provider-class"));
        Assert.Equal(typeof(PromptSplitBrainResolverProvider), provider);
        Assert.Equal("keep-majority", config.GetString("akka.cluster.split-brain-resolver.active-strategy"));
    }

    [Fact]
    public void The_ticker_starts_the_resolver_as_its_child_and_sends_it_the_tick_at_the_interval()
    {
        var tick = new object();
        IActorRef probe = TestActor;
        Props resolver = Props.Create(() => new Relay(probe));

        Sys.ActorOf(Props.Create(() => new ResolverTicker(resolver, tick, TimeSpan.FromMilliseconds(50))), "ticker");

        // Ten ticks at 50 ms take half a second; allow six times that, still far below the ten seconds the
        // resolver's own one-second tick would take (so the test fails if the interval is not used).
        Within(TimeSpan.FromSeconds(3), () =>
        {
            for (int i = 0; i < 10; i++)
            {
                ExpectMsg<object>(m => ReferenceEquals(m, tick));
            }
        });
    }

    /// <summary>Stands in for the resolver: passes every message it gets to the test.</summary>
    private sealed class Relay(IActorRef target) : UntypedActor
    {
        protected override void OnReceive(object message) => target.Tell(message);
    }
}
