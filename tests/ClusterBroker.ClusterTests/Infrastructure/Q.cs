namespace ClusterBroker.ClusterTests.Infrastructure;

/// <summary>Short names for the QoS levels, to keep test bodies readable.</summary>
public static class Q
{
    public const MqttQualityOfServiceLevel Q0 = MqttQualityOfServiceLevel.AtMostOnce;
    public const MqttQualityOfServiceLevel Q1 = MqttQualityOfServiceLevel.AtLeastOnce;
    public const MqttQualityOfServiceLevel Q2 = MqttQualityOfServiceLevel.ExactlyOnce;

    public static MqttQualityOfServiceLevel Of(int qos) => (MqttQualityOfServiceLevel)qos;
}
