using ClusterBroker.Core.Messages;

namespace ClusterBroker.Core.Retained;

/// <summary>
/// Retained messages, one per topic. <see cref="Retain"/> stores or replaces the message of its topic, and
/// deletes it when the payload is empty ([MQTT-3.3.1-6], [MQTT-3.3.1-7]). <see cref="GetMatching"/> answers a
/// subscription's filter from a topic index, without scanning every message. Thread-safe.
/// In-memory now (<see cref="InMemoryRetainedMessageStore"/>); Redis-backed in cluster mode later, with this
/// node-local index kept in sync.
/// </summary>
public interface IRetainedMessageStore
{
    /// <summary>Number of retained messages.</summary>
    int Count { get; }

    /// <summary>Stores, replaces, or (empty payload) deletes the retained message of the message's topic.</summary>
    void Retain(BrokerMessage message);

    /// <summary>Appends to <paramref name="results"/> every unexpired retained message whose topic matches the filter.</summary>
    void GetMatching(string topicFilter, List<BrokerMessage> results, long nowUnixMs);
}
