using ClusterBroker.Protocol;
using ClusterBroker.Protocol.Packets;

namespace ClusterBroker.Core.Connections;

/// <summary>
/// The protocol side of one connection. The transport calls these members serially, on the
/// connection's executor, never concurrently.
/// </summary>
public interface IConnectionHandler
{
    /// <summary>A complete, valid packet arrived.</summary>
    void OnPacket(MqttPacket packet);

    /// <summary>
    /// The decoder rejected the input (malformed, oversized, reserved bits...). The handler answers
    /// as the spec requires (DISCONNECT with the reason code in 5.0, or CONNACK before CONNECT
    /// completed), logs it once, publishes the Will, and closes the connection. No packet follows.
    /// </summary>
    void OnProtocolViolation(ProtocolViolation violation);

    /// <summary>The socket closed or failed (error may be null for an orderly close). Called once, last.</summary>
    void OnConnectionClosed(Exception? error);
}
