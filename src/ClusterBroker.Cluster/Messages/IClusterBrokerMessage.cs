namespace ClusterBroker.Cluster.Messages;

/// <summary>Marker of every message that may cross nodes; bound to <see cref="Serialization.ClusterBrokerSerializer"/>.</summary>
public interface IClusterBrokerMessage;
