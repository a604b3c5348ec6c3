using ClusterBroker.Protocol;

namespace ClusterBroker.Core.Channel;

/// <summary>A connection as the admin API shows it (a copy; <see cref="MqttChannel.Describe"/>).</summary>
/// <param name="ConnectionId">Node-local connection number.</param>
/// <param name="ClientId">Null until CONNECT was accepted.</param>
/// <param name="RemoteEndPoint">The client's address and port.</param>
/// <param name="ProtocolVersion">The protocol version of CONNECT (3.1.1 until CONNECT arrived).</param>
/// <param name="Username">The user name of CONNECT, if any.</param>
/// <param name="KeepAliveSeconds">Keep alive in force (the server's when it overrode the client's).</param>
/// <param name="SessionExpiryInterval">Seconds the session outlives the connection (0 = ends with it).</param>
/// <param name="CleanStart">Clean Start / Clean Session of CONNECT.</param>
/// <param name="Connected">True once CONNACK was sent with success.</param>
/// <param name="ConnectedAtUnixMs">When CONNACK was sent (0 before).</param>
public sealed record ConnectionInfo(
    long ConnectionId,
    string? ClientId,
    string RemoteEndPoint,
    ProtocolVersion ProtocolVersion,
    string? Username,
    ushort KeepAliveSeconds,
    uint SessionExpiryInterval,
    bool CleanStart,
    bool Connected,
    long ConnectedAtUnixMs);
