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

    /// <summary>
    /// The client has exceeded a listener quota (its publish rate or byte rate) for too long: a 5.0 client is sent
    /// DISCONNECT with <paramref name="reasonCode"/> (0x96 Message rate too high, 0x97 Quota exceeded) and the
    /// connection closes; logged once naming <paramref name="rule"/>. Only called for 5.0 clients.
    /// </summary>
    void OnQuotaExceeded(ReasonCode reasonCode, string rule, string message)
    {
    }

    /// <summary>The socket closed or failed (error may be null for an orderly close). Called once, last.</summary>
    void OnConnectionClosed(Exception? error);
}
