namespace ClusterBroker.Core;

/// <summary>Who asks: the client identifier, the authenticated user name (null when anonymous) and the remote address.</summary>
public sealed record AccessSubject(string ClientId, string? Username, string RemoteEndPoint);
