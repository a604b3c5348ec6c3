using ClusterBroker.Protocol;

namespace ClusterBroker.Core;

/// <summary>What the authenticator knows about a connecting client.</summary>
public sealed record AuthenticationRequest(
    string ClientId,
    string? Username,
    ReadOnlyMemory<byte>? Password,
    string RemoteEndPoint,
    ProtocolVersion ProtocolVersion,
    string? AuthenticationMethod,
    ReadOnlyMemory<byte>? AuthenticationData);
