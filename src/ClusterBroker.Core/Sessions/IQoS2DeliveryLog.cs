using ClusterBroker.Core.Messages;

namespace ClusterBroker.Core.Sessions;

/// <summary>
/// The QoS 2 flows of persistent sessions' connected clients, written down before the packet that commits each step is
/// sent, so that a session continued from the store after its node died keeps QoS 2 exactly once: a message PUBLISHed
/// to the client is sent again only as the same packet (DUP, same identifier), one the client received (PUBREC) only as
/// PUBREL, and one whose identity is recorded as given is never delivered to the session again (a crash or journal
/// replay brings it twice otherwise). Kept with the session in the session store; durable sessions only.
/// </summary>
/// <remarks>
/// Calls come from the connection's executor, in the order of the flow; an implementation keeps that order. The tasks
/// never fault: false means the step could not be recorded (the log counted and logged why), and the connection goes
/// on, since holding the client back would not bring the store back.
/// </remarks>
public interface IQoS2DeliveryLog
{
    /// <summary>Before the PUBLISH: the message is inflight to the client under <paramref name="packetId"/>, and given.</summary>
    Task<bool> SendingAsync(string clientId, ushort packetId, QueuedMessage message);

    /// <summary>Before the PUBREL: the client has the message (PUBREC); from now on only released.</summary>
    Task<bool> ReleasingAsync(string clientId, ushort packetId, QueuedMessage message);

    /// <summary>The flow ended (PUBCOMP, an error PUBREC, or dropped as too large): the identifier is free.</summary>
    void Completed(string clientId, ushort packetId);
}
