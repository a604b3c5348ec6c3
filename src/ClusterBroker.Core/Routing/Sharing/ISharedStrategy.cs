using ClusterBroker.Core.Messages;

namespace ClusterBroker.Core.Routing.Sharing;

/// <summary>
/// How a shared-subscription group picks who gets a message: one implementation per strategy
/// (<see cref="SharedStrategies"/>), pure logic over a list of candidate names.
/// </summary>
/// <remarks>
/// <para><b>Two-level placement in a cluster.</b> The publishing node knows, from the route table, which nodes
/// have members of a group, not the members themselves; the receiving node knows its own members. So the choice
/// is made twice with the same strategy: the publishing node picks a node among the nodes with members (itself
/// included) and the node picked picks one of its online members. Every node sorts candidates by name
/// (node address, ClientId), the same order everywhere, so a deterministic strategy (hash_clientid, hash_topic,
/// sticky) makes the same choice whichever node publishes, and the composition keeps its property: same publisher
/// (or topic) -> same node -> same member, as long as membership does not change. The alternative, the publishing
/// node choosing the member from a cluster-wide member list, would put every member's online state on every node
/// and every subscribe on the wire; the route table already gives what the two-level choice needs.</para>
/// <para>Levels hash with different seeds: with one seed, hash % nodes and hash % members would be correlated
/// (3 nodes of 3 members: only member i of node i would ever be chosen).</para>
/// </remarks>
public interface ISharedStrategy
{
    /// <summary>The name used in configuration (round_robin, random, sticky, hash_clientid, hash_topic, local).</summary>
    string Name { get; }

    /// <summary>
    /// The index of the candidate that gets <paramref name="message"/>. <paramref name="candidates"/> is non-empty
    /// and sorted by ordinal name; <paramref name="localIndex"/> is the index of this node among them at the node
    /// level (-1 when this node has no member, and always -1 at the member level); <paramref name="state"/> is the
    /// group's own (cursor, sticky choice) at this level.
    /// </summary>
    int Choose(ReadOnlySpan<string> candidates, BrokerMessage message, int localIndex, ChoiceLevel level, SharedChoiceState state);
}
