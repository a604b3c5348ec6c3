using ClusterBroker.Core.Messages;

namespace ClusterBroker.Core.Sessions;

/// <summary>The session handed to the connection: whether it existed (Session Present) and its state.</summary>
public sealed record SessionAttachResult(bool SessionPresent, SessionSnapshot Snapshot);
