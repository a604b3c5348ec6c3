using ClusterBroker.Core.Messages;

namespace ClusterBroker.Core.Retained;

/// <summary>
/// Retained messages, one per topic. <see cref="Retain"/> stores or replaces the message of its topic, and
/// deletes it when the payload is empty ([MQTT-3.3.1-6], [MQTT-3.3.1-7]). <see cref="GetMatching"/> answers a
/// subscription's filter from a topic index, without scanning every message. Thread-safe.
/// </summary>
/// <remarks>
/// Both operations return <see cref="ValueTask"/>s because a store may live elsewhere (Redis in cluster mode,
/// ClusterBroker.Storage.Redis). The in-memory store (<see cref="InMemoryRetainedMessageStore"/>) completes them
/// synchronously and allocates nothing for it; callers check <see cref="ValueTask.IsCompletedSuccessfully"/>
/// and stay on the synchronous path then. Neither task ever faults: a store reports its own failures
/// (counters, log lines), so a caller that does not wait for <see cref="Retain"/> loses nothing silently.
/// </remarks>
public interface IRetainedMessageStore
{
    /// <summary>Number of retained messages (cluster-wide for a shared store; expired ones may count until removed).</summary>
    long Count { get; }

    /// <summary>
    /// Stores, replaces, or (empty payload) deletes the retained message of the message's topic. The task
    /// completes once the change is visible to every later <see cref="GetMatching"/> on any node sharing the
    /// store (or once its failure has been counted and logged).
    /// </summary>
    ValueTask Retain(BrokerMessage message);

    /// <summary>
    /// Appends to <paramref name="results"/> every unexpired retained message whose topic matches the filter.
    /// The caller must not touch <paramref name="results"/> until the task completed.
    /// </summary>
    ValueTask GetMatching(string topicFilter, List<BrokerMessage> results, long nowUnixMs);
}
