using ClusterBroker.Core.Messages;

namespace ClusterBroker.Core.Routing.Sharing;

/// <summary>
/// local: the publishing node's own members first (no hop between nodes); when it has none, round robin over the
/// nodes that have, and round robin among a node's members.
/// </summary>
public sealed class LocalStrategy : ISharedStrategy
{
    public string Name => "local";

    public int Choose(ReadOnlySpan<string> candidates, BrokerMessage message, int localIndex, ChoiceLevel level, SharedChoiceState state) =>
        localIndex >= 0 ? localIndex : RoundRobinStrategy.Next(candidates.Length, state);
}
