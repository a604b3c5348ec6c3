namespace ClusterBroker.LoadTests.Configuration;

public enum MqttProtocol
{
    V311,
    V500,
}
