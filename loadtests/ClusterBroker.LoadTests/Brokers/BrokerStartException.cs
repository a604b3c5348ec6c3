namespace ClusterBroker.LoadTests.Brokers;

public sealed class BrokerStartException(string message) : Exception(message);
