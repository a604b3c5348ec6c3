namespace ClusterBroker.Topics;

/// <summary>One matching entry, as collected by the list overload of <see cref="SubscriptionTrie{TKey, TValue}"/>.Match.</summary>
/// <param name="Filter">The filter the entry was added with.</param>
/// <param name="Subscriber">The subscriber key.</param>
/// <param name="Value">The value stored for the entry.</param>
public readonly record struct TrieMatch<TKey, TValue>(string Filter, TKey Subscriber, TValue Value);
