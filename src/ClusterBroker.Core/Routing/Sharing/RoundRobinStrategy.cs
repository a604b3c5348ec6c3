using ClusterBroker.Core.Messages;

namespace ClusterBroker.Core.Routing.Sharing;

/// <summary>round_robin (the default): candidates take turns, per group and level.</summary>
public sealed class RoundRobinStrategy : ISharedStrategy
{
    public string Name => "round_robin";

    public int Choose(ReadOnlySpan<string> candidates, BrokerMessage message, int localIndex, ChoiceLevel level, SharedChoiceState state) =>
        Next(candidates.Length, state);

    internal static int Next(int count, SharedChoiceState state) => (int)((uint)Interlocked.Increment(ref state.Cursor) % (uint)count);
}
