namespace ClusterBroker.Protocol;

/// <summary>MQTT 5.0 subscription option (3.8.3.1).</summary>
public enum RetainHandling : byte
{
    SendAtSubscribe = 0,
    SendAtSubscribeIfNew = 1,
    DoNotSend = 2,
}
