using ClusterBroker.Protocol;
using ClusterBroker.Protocol.Packets;

namespace ClusterBroker.Core.Connections;

/// <summary>
/// One client's network connection as Core sees it; implemented by the transport (DotNetty), so no
/// transport type leaks into Core. All members are thread-safe.
/// </summary>
public interface IClientConnection
{
    /// <summary>Remote address for log lines, e.g. "127.0.0.1:53122".</summary>
    string RemoteEndPoint { get; }

    /// <summary>
    /// The user name a verified TLS client certificate stands for (the listener takes it from the CN or SAN), or null.
    /// When set, the client is authenticated by its certificate: the CONNECT's user name and password are not checked
    /// and this name is the one ACL rules and %u apply to.
    /// </summary>
    string? CertificateUsername => null;

    /// <summary>
    /// Chooses the codec for the rest of the connection; called once, after CONNECT was decoded
    /// (the decoder already reads CONNECT of every version) and before the CONNACK is sent.
    /// </summary>
    void SetProtocolVersion(ProtocolVersion version);

    /// <summary>
    /// The largest packet the client accepts (MQTT 5.0 Maximum Packet Size), or null for the
    /// protocol maximum. The transport never sends a larger packet: <see cref="Send"/> returns false.
    /// </summary>
    void SetMaximumOutgoingPacketSize(uint? maximumPacketSize);

    /// <summary>
    /// Encodes and queues the packet; the transport flushes at the end of the current read batch or
    /// promptly when called from elsewhere. Returns false (and sends nothing) when the encoded packet
    /// exceeds the client's Maximum Packet Size or the connection is already closed.
    /// </summary>
    bool Send(MqttPacket packet);

    /// <summary>Flushes what was queued, then closes the socket. Idempotent.</summary>
    void Close();

    /// <summary>
    /// Like <see cref="Close"/> for a client that is probably still sending (the broker just sent it a DISCONNECT):
    /// flushes what was queued, half-closes the socket (no more output) and reads and discards the client's input
    /// until it closes its side or a short linger elapses, then closes. Closing with unread input would reset the
    /// connection, and a client that is writing would see the reset instead of the DISCONNECT. Idempotent; an
    /// implementation without half-close just closes.
    /// </summary>
    void CloseAfterDisconnect() => Close();

    /// <summary>
    /// Runs the action on the connection's serial executor (the same one that delivers inbound
    /// packets), so the connection handler never needs locks. Used for deliveries from routers,
    /// session actors and timers.
    /// </summary>
    void Execute(Action action);

    /// <summary>Runs the action on the connection's executor after the delay unless disposed first.</summary>
    IDisposable Schedule(TimeSpan delay, Action action);
}
