using ClusterBroker.Core.Messages;

namespace ClusterBroker.Core.Sessions;

/// <summary>
/// The publish journal of durable sessions: every QoS 1/2 message a node routes is written here before its publisher
/// gets the PUBACK/PUBREC, so a message the node acknowledged survives the node. When a node crashes (or is cut off and
/// downed) one survivor reads what the dead node wrote during its last moments and routes it again
/// (<see cref="BrokerMessage.Replayed"/>) to the persistent sessions it matches: whatever the dead node had not
/// passed on yet reaches them, at the cost of duplicates for what it had.
/// </summary>
/// <remarks>
/// One journal per node incarnation ("address#uid"), kept for a bounded time only: long enough to outlast failure
/// detection and the split-brain resolver's StableAfter, after which a dead node has been replayed.
/// </remarks>
public interface IPublishJournal
{
    /// <summary>
    /// Writes a message this node is routing. Completes with true once it is stored; with false when it could not be
    /// (the journal counted and logged why): the caller must not acknowledge it as a success. Never faults.
    /// </summary>
    ValueTask<bool> AppendAsync(BrokerMessage message);

    /// <summary>What the node <paramref name="node"/> (its incarnation) wrote and the journal still holds, oldest first.</summary>
    Task<IReadOnlyList<BrokerMessage>> ReadAsync(string node);

    /// <summary>Removes the journal of <paramref name="node"/> (replayed, or the node left gracefully).</summary>
    Task DeleteAsync(string node);
}
