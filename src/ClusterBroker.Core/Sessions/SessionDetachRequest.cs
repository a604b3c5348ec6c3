using ClusterBroker.Core.Messages;

namespace ClusterBroker.Core.Sessions;

/// <summary>
/// A connection ended and hands its session back: the Session Expiry Interval in force (0 = the session
/// ends now), the state to keep, and the Will if it must be published after a delay.
/// </summary>
public sealed record SessionDetachRequest(
    string ClientId,
    long ConnectionId,
    uint SessionExpiryInterval,
    SessionSnapshot Snapshot,
    PendingWill? Will);
