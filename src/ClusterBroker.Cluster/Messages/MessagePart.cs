namespace ClusterBroker.Cluster.Messages;

/// <summary>
/// One part of a message too large for one transport frame (a session's state with thousands of queued
/// messages): the serialized message cut into pieces that are sent in order and reassembled by the receiver
/// (<see cref="Serialization.MessageParts"/>). Routed like a session message by <see cref="ClientId"/>.
/// </summary>
public sealed record MessagePart(string ClientId, long TransferId, int Index, bool Last, string Manifest, byte[] Chunk) : ISessionMessage;
