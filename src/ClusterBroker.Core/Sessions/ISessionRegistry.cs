using ClusterBroker.Core.Messages;

namespace ClusterBroker.Core.Sessions;

/// <summary>
/// How a connection talks to the single owner of its session (the sharded session actor in
/// ClusterBroker.Cluster; a plain in-process implementation in tests). Attach takes the session over
/// (closing a previous connection of the same client id first), Detach hands it back, EnqueueOffline adds
/// a message for a client that is not online on this node.
/// </summary>
public interface ISessionRegistry
{
    /// <summary>
    /// Attaches the connection to the session of <see cref="SessionAttachRequest.ClientId"/>. Completes once
    /// any previous connection was closed and handed back its state (or the takeover timeout elapsed).
    /// </summary>
    Task<SessionAttachResult> AttachAsync(SessionAttachRequest request, CancellationToken cancellationToken);

    /// <summary>Hands the session back when the connection ends (fire and forget; ordered per client).</summary>
    void Detach(SessionDetachRequest request);

    /// <summary>Queues a QoS 1/2 message for a session whose client is not online here (fire and forget).</summary>
    void EnqueueOffline(string clientId, QueuedMessage message);

    /// <summary>
    /// The connection that attached (or tried to attach) as <paramref name="clientId"/> ended: the ClientId is
    /// free again unless a newer connection holds it. Called for every such connection, ephemeral or not,
    /// after any <see cref="Detach"/>. An owner that tracks connections only through attach and detach (one
    /// process, one node) has nothing to do here.
    /// </summary>
    void ConnectionEnded(string clientId, long connectionId)
    {
    }

    /// <summary>
    /// The connection resumed a session whose subscriptions were restored on this node (so their routes are
    /// being announced): the owner may now let the node the session came from forget it. One node needs
    /// nothing here.
    /// </summary>
    void SubscriptionsRestored(string clientId, long connectionId)
    {
    }

    /// <summary>
    /// The subscriptions of a connection with a persistent session changed: an owner that keeps sessions in a store
    /// writes them there, so they outlive the connection's node, and the task completes once they are stored (or
    /// the store did not answer in time, which the owner logs): the SUBACK/UNSUBACK waits for it. One node in
    /// memory needs nothing here: the connection hands them back when it ends.
    /// </summary>
    Task SubscriptionsChanged(string clientId, long connectionId, uint sessionExpiryInterval, IReadOnlyList<Subscription> subscriptions) =>
        Task.CompletedTask;
}
