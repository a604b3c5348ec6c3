using ClusterBroker.Core.Messages;

namespace ClusterBroker.Core.Routing.Sharing;

/// <summary>hash_topic: the same topic always reaches the same candidate while the candidates stay the same.</summary>
public sealed class HashTopicStrategy : ISharedStrategy
{
    public string Name => "hash_topic";

    public int Choose(ReadOnlySpan<string> candidates, BrokerMessage message, int localIndex, ChoiceLevel level, SharedChoiceState state) =>
        (int)(StableHash.Of(message.Topic, StableHash.Seed(level)) % (uint)candidates.Length);
}
