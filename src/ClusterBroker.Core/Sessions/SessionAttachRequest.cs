using ClusterBroker.Core.Messages;

namespace ClusterBroker.Core.Sessions;

/// <summary>A connection asks to own the session of <paramref name="ClientId"/>.</summary>
/// <param name="ClientId">The client identifier (after any assignment).</param>
/// <param name="CleanStart">Clean Start (5.0) / Clean Session (3.1.1): discard any existing session.</param>
/// <param name="ConnectionId">The node-unique id of the connection (used to close it on takeover).</param>
/// <param name="SessionExpiryInterval">
/// The interval in force from CONNECT. 0 makes the session ephemeral: it ends with the connection
/// ([MQTT-3.14.2-2] forbids raising it later), so its owner keeps nothing while it is online.
/// </param>
/// <param name="Will">
/// The Will this connection leaves should it end without DISCONNECT, with its delay: an owner that keeps
/// sessions in a store writes it there, so that it is still published if the connection's node dies.
/// </param>
public sealed record SessionAttachRequest(string ClientId, bool CleanStart, long ConnectionId, uint SessionExpiryInterval = 0, PendingWill? Will = null)
{
    public bool IsEphemeral => SessionExpiryInterval == 0;
}
