using Akka.Configuration;
using ClusterBroker.Core;

namespace ClusterBroker.Cluster.Tests;

/// <summary>The Akka settings a node runs with, written out from its options (ClusterConfig).</summary>
public class ClusterConfig_Tests
{
    [Fact]
    public void The_resolver_the_failure_detector_and_sharding_are_set_from_the_options_and_deliberately()
    {
        Config config = ClusterConfig.Build(new BrokerOptions(), new ClusterOptions
        {
            StableAfter = TimeSpan.FromSeconds(7),
            FailureDetectionPause = TimeSpan.FromMilliseconds(2500),
        });

        Assert.Equal("keep-majority", config.GetString("akka.cluster.split-brain-resolver.active-strategy"));
        Assert.Equal(TimeSpan.FromSeconds(7), config.GetTimeSpan("akka.cluster.split-brain-resolver.stable-after"));
        Assert.Equal(TimeSpan.FromMilliseconds(2500), config.GetTimeSpan("akka.cluster.failure-detector.acceptable-heartbeat-pause"));
        Assert.Equal(TimeSpan.FromMilliseconds(250), config.GetTimeSpan("akka.cluster.failure-detector.heartbeat-interval"));
        Assert.Equal(TimeSpan.FromMilliseconds(50), config.GetTimeSpan("akka.cluster.failure-detector.min-std-deviation"));
        Assert.Equal(TimeSpan.FromMilliseconds(100), config.GetTimeSpan("akka.cluster.gossip-interval"));
        Assert.Equal(TimeSpan.FromMilliseconds(100), config.GetTimeSpan("akka.cluster.leader-actions-interval"));
        // a silent member is marked unreachable within a quarter second of the detector's verdict, not a second
        Assert.Equal(TimeSpan.FromMilliseconds(250), config.GetTimeSpan("akka.cluster.unreachable-nodes-reaper-interval"));
        // shards of a downed node restart 0.1 s after its removal, not StableAfter later (the minority fenced itself)
        Assert.Equal(TimeSpan.FromMilliseconds(100), config.GetTimeSpan("akka.cluster.down-removal-margin"));
        Assert.Equal("ddata", config.GetString("akka.cluster.sharding.state-store-mode"));
        Assert.Equal(TimeSpan.FromMilliseconds(100), config.GetTimeSpan("akka.cluster.sharding.retry-interval"));
    }

    [Fact]
    public void A_failure_detection_pause_under_a_second_is_refused_by_name()
    {
        string error = Assert.Single(new ClusterOptions { FailureDetectionPause = TimeSpan.FromMilliseconds(300) }.GetValidationErrors());
        Assert.Contains("Cluster:FailureDetectionPause", error);
    }
}
