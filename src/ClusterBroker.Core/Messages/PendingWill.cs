namespace ClusterBroker.Core.Messages;

/// <summary>A Will that waits for its Will Delay Interval (seconds) in the session after the connection closed.</summary>
public sealed record PendingWill(BrokerMessage Message, uint DelaySeconds);
