using ClusterBroker.Core.Messages;

namespace ClusterBroker.Core.Routing.Sharing;

/// <summary>
/// sticky: the group keeps its candidate until that candidate is no longer one (its node has no member left, the
/// member left or went offline). The first choice, and the choice after a departure, is the candidate whose name
/// hashes highest with the group's key (rendezvous hashing): every node makes the same one without talking to the
/// others, and different groups spread over different members.
/// </summary>
public sealed class StickyStrategy : ISharedStrategy
{
    public string Name => "sticky";

    public int Choose(ReadOnlySpan<string> candidates, BrokerMessage message, int localIndex, ChoiceLevel level, SharedChoiceState state)
    {
        string? sticky = Volatile.Read(ref state.Sticky);
        if (sticky is not null)
        {
            for (int i = 0; i < candidates.Length; i++)
            {
                if (string.Equals(candidates[i], sticky, StringComparison.Ordinal))
                {
                    return i;
                }
            }
        }

        int best = Rendezvous(candidates, state.Key, level);
        Volatile.Write(ref state.Sticky, candidates[best]);
        return best;
    }

    /// <summary>The index of the candidate whose name hashes highest with <paramref name="key"/>.</summary>
    public static int Rendezvous(ReadOnlySpan<string> candidates, string key, ChoiceLevel level)
    {
        uint seed = StableHash.Of(key, StableHash.Seed(level));
        int best = 0;
        uint bestHash = 0;
        for (int i = 0; i < candidates.Length; i++)
        {
            uint h = StableHash.Of(candidates[i], seed);
            if (i == 0 || h > bestHash)
            {
                best = i;
                bestHash = h;
            }
        }

        return best;
    }
}
