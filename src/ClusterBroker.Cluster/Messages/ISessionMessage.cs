namespace ClusterBroker.Cluster.Messages;

/// <summary>A message for the session entity of <see cref="ClientId"/> (routed by <see cref="Sessions.SessionMessageExtractor"/>).</summary>
public interface ISessionMessage : IClusterBrokerMessage
{
    string ClientId { get; }
}
