namespace ClusterBroker.Topics;

/// <summary>
/// Receives the entries of a <see cref="SubscriptionTrie{TKey, TValue}"/> that match a topic.
/// Implement it on a struct and pass it by reference to
/// <see cref="SubscriptionTrie{TKey, TValue}.Match{TCollector}(ReadOnlySpan{char}, ref TCollector)"/>
/// so the calls are devirtualized and matching allocates nothing.
/// </summary>
public interface ITrieMatchCollector<TKey, TValue>
{
    /// <summary>Called once per matching (filter, subscriber) entry. Must not modify the trie.</summary>
    /// <param name="filter">The filter the entry was added with (the string passed to AddOrUpdate first).</param>
    /// <param name="subscriber">The subscriber key.</param>
    /// <param name="value">The value stored for the entry (e.g. subscription options).</param>
    void OnMatch(string filter, TKey subscriber, TValue value);
}
