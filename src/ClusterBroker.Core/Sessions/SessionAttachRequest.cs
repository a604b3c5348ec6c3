namespace ClusterBroker.Core.Sessions;

/// <summary>A connection asks to own the session of <paramref name="ClientId"/>.</summary>
/// <param name="ClientId">The client identifier (after any assignment).</param>
/// <param name="CleanStart">Clean Start (5.0) / Clean Session (3.1.1): discard any existing session.</param>
/// <param name="ConnectionId">The node-unique id of the connection (used to close it on takeover).</param>
public sealed record SessionAttachRequest(string ClientId, bool CleanStart, long ConnectionId);
