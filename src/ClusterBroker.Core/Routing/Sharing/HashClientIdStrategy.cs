using ClusterBroker.Core.Messages;

namespace ClusterBroker.Core.Routing.Sharing;

/// <summary>hash_clientid: the same publisher always reaches the same candidate while the candidates stay the same.</summary>
public sealed class HashClientIdStrategy : ISharedStrategy
{
    public string Name => "hash_clientid";

    public int Choose(ReadOnlySpan<string> candidates, BrokerMessage message, int localIndex, ChoiceLevel level, SharedChoiceState state) =>
        (int)(StableHash.Of(message.PublisherId, StableHash.Seed(level)) % (uint)candidates.Length);
}
