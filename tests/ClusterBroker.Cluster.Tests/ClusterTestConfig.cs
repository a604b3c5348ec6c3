namespace ClusterBroker.Cluster.Tests;

/// <summary>HOCON for TestKit systems with the broker's serializer: a one-node cluster, or a plain local system.</summary>
internal static class ClusterTestConfig
{
    public const string Serialization = """
        akka.actor {
          serialize-messages = on
          serializers { cluster-broker = "ClusterBroker.Cluster.Serialization.ClusterBrokerSerializer, ClusterBroker.Cluster" }
          serialization-bindings { "ClusterBroker.Cluster.Messages.IClusterBrokerMessage, ClusterBroker.Cluster" = cluster-broker }
        }
        """;

    public const string Hocon = Serialization + """

        akka {
          loglevel = WARNING
          actor.provider = cluster
          remote.dot-netty.tcp { hostname = "127.0.0.1", port = 0 }
          coordinated-shutdown.default-phase-timeout = 2s
          cluster {
            sharding {
              remember-entities = off
              passivate-idle-entity-after = off
              distributed-data.durable.keys = []
            }
            distributed-data.durable.keys = []
          }
        }
        """;
}
