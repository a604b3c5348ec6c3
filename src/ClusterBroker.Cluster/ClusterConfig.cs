using Akka.Configuration;
using ClusterBroker.Core;

namespace ClusterBroker.Cluster;

/// <summary>The Akka configuration of a node, every setting that matters written out deliberately.</summary>
internal static class ClusterConfig
{
    /// <summary>
    /// The largest message between nodes: a forwarded PUBLISH of the maximum packet size must fit one frame (batches close
    /// at 60 KiB, session state moves in 60 KiB parts, so nothing else needs more).
    /// </summary>
    public static int FrameSize(BrokerOptions options, ClusterOptions cluster) =>
        (int)Math.Max(cluster.MaximumFrameSize, Math.Min((long)options.MaximumPacketSize + (64 * 1024), int.MaxValue - 1));

    /// <param name="roles">The node's cluster roles (e.g. the port of its forward link listener, <see cref="Links.ForwardLinkProtocol.RoleFor"/>).</param>
    public static Config Build(BrokerOptions options, ClusterOptions cluster, IReadOnlyList<string>? roles = null)
    {
        long frame = FrameSize(options, cluster);
        string roleList = string.Join(", ", (roles ?? []).Select(static r => "\"" + r + "\""));
        string bind = string.IsNullOrWhiteSpace(cluster.BindHost) ? cluster.Host : cluster.BindHost;
        string stableAfter = Milliseconds(cluster.StableAfter);
        string heartbeatPause = Milliseconds(cluster.FailureDetectionPause);
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
                hostname = "{{bind}}"
                public-hostname = "{{cluster.Host}}"
                port = {{cluster.Port}}
                maximum-frame-size = {{frame}}b
                send-buffer-size = {{Math.Max(frame, 256000)}}b
                receive-buffer-size = {{Math.Max(frame, 256000)}}b
              }
              cluster {
                seed-nodes = []
                roles = [{{roleList}}]
                min-nr-of-members = 1
                # Sharding and singletons start a downed node's shards elsewhere this long after it is removed (0.1 s). By
                # default it would be stable-after again (safety for a minority still running its entities), which
                # doubles the time a crashed node's clients wait. Here a node that loses the majority fences itself as
                # soon as it sees the others unreachable (MinorityFenceActor: its clients are disconnected and new ones
                # refused), seconds before the majority downs it, so its entities have nobody to serve by then.
                down-removal-margin = 100ms
                # Gossip and the leader's actions (Down -> Removed) ten times a second rather than once: the nodes agree on a
                # crashed node's unreachability, and the leader removes it after the resolver's decision, sooner (the resolver's
                # StableAfter counts from the last change it saw, and Removed waits for every node to have seen Down). Once
                # the views agree a gossip is a status of a few dozen bytes; at most 10 small messages a second per node.
                gossip-interval = 100ms
                leader-actions-interval = 100ms
                # Four heartbeats a second rather than one: a crashed node is found unreachable sooner (the detector waits
                # for the mean interval plus the acceptable pause, and the last heartbeat came on average half an interval
                # before the crash); a healthy node paused for less than the acceptable pause is still not suspected. The
                # cost is 4 heartbeats and 4 answers a second per monitored member (at most 9), tens of bytes each.
                failure-detector.heartbeat-interval = 250ms
                # The detector suspects a member once its silence exceeds the mean interval plus the acceptable pause by
                # about five standard deviations of the heartbeats' arrival times, this being the least deviation counted.
                # Akka's default (100 ms) adds about half a second to finding a crash on a quiet network; with 50 ms it is
                # a quarter second. A jittery network or a loaded machine raises the measured deviation above it anyway,
                # and the acceptable pause stays the tolerance for a stalled node.
                failure-detector.min-std-deviation = 50ms
                # How often the failure detector's verdicts are read and a silent member marked unreachable. Akka's
                # default (1 s) adds up to a second, half a second on average, to finding a crashed node; reading them
                # four times a second costs a phi computation per monitored member (at most 9).
                unreachable-nodes-reaper-interval = 250ms
                failure-detector.acceptable-heartbeat-pause = {{heartbeatPause}}
                log-info = off
                # Akka's keep-majority resolver, checking ten times a second whether it may decide (PromptSplitBrainResolverProvider).
                downing-provider-class = "ClusterBroker.Cluster.Downing.PromptSplitBrainResolverProvider, ClusterBroker.Cluster"
                split-brain-resolver {
                  active-strategy = keep-majority
                  stable-after = {{stableAfter}}
                  down-all-when-unstable = on
                }
                sharding {
                  state-store-mode = ddata
                  # how soon a region asks again where a shard lives (a shard of a downed node, until it restarted)
                  retry-interval = 100ms
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
        // Sharding's and distributed data's serializers must be known before the first remote message arrives
        // (a joining node receives the coordinator's replicator traffic at once), not only after sharding starts.
        return ConfigurationFactory.ParseString(hocon)
            .WithFallback(Akka.Cluster.Sharding.ClusterSharding.DefaultConfig())
            .WithFallback(Akka.Cluster.Tools.Singleton.ClusterSingleton.DefaultConfig())
            .WithFallback(Akka.DistributedData.DistributedData.DefaultConfig());
    }

    private static string Milliseconds(TimeSpan value) =>
        ((long)value.TotalMilliseconds).ToString(System.Globalization.CultureInfo.InvariantCulture) + "ms";
}
