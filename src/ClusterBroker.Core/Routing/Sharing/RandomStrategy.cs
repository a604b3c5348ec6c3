using ClusterBroker.Core.Messages;

namespace ClusterBroker.Core.Routing.Sharing;

/// <summary>random: a uniformly random candidate at each level (so a member's share also depends on how many members its node has).</summary>
public sealed class RandomStrategy : ISharedStrategy
{
    public string Name => "random";

    public int Choose(ReadOnlySpan<string> candidates, BrokerMessage message, int localIndex, ChoiceLevel level, SharedChoiceState state) =>
        Random.Shared.Next(candidates.Length);
}
