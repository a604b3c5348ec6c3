namespace ClusterBroker.Core.Connections;

/// <summary>
/// Counts MQTT bytes crossing the transport (whole frames, headers included), for the
/// $SYS/broker/bytes/* topics. Called from every connection's thread: implementations must be thread-safe.
/// </summary>
public interface ITrafficMeter
{
    void AddBytesReceived(long count);

    void AddBytesSent(long count);
}
