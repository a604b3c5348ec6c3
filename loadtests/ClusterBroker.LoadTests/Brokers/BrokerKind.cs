namespace ClusterBroker.LoadTests.Brokers;

public enum BrokerKind
{
    Mosquitto,
    MqttNetServer,
    ClusterBroker,
}
