namespace ClusterBroker.Cluster.Tests;

/// <summary>HOCON for a TestKit system that is a one-node cluster with the broker's serializer.</summary>
internal static class ClusterTestConfig
{
    public const string Hocon = """
        akka {
          loglevel = WARNING
          actor {
            provider = cluster
            serialize-messages = on
            serializers { cluster-broker = "ClusterBroker.Cluster.Serialization.ClusterBrokerSerializer, ClusterBroker.Cluster" }
            serialization-bindings { "ClusterBroker.Cluster.Messages.IClusterBrokerMessage, ClusterBroker.Cluster" = cluster-broker }
          }
          remote.dot-netty.tcp { hostname = "127.0.0.1", port = 0 }
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
