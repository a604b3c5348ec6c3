namespace ClusterBroker.Protocol;

/// <summary>
/// Why a frame or packet was rejected: the reason code to answer with (DISCONNECT in 5.0, or the
/// CONNACK code when it concerns CONNECT), the spec statement it enforces (for example
/// "MQTT-3.3.2-2"), and a human-readable message for the log line.
/// </summary>
public sealed record ProtocolViolation(ReasonCode ReasonCode, string Rule, string Message)
{
    public override string ToString() => $"[{Rule}] {Message} (reason 0x{(byte)ReasonCode:X2} {ReasonCode})";
}
