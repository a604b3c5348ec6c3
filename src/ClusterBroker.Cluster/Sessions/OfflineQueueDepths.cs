using System.Collections.Concurrent;

namespace ClusterBroker.Cluster.Sessions;

/// <summary>
/// How many messages each offline persistent session whose entity lives on this node is holding for its client
/// (for the metrics: the queues of online clients are read from their connections). Each entity reports its own
/// depth when it changes and withdraws it when its client attaches or the entity stops; a scrape reads a copy.
/// Thread-safe.
/// </summary>
public sealed class OfflineQueueDepths
{
    private readonly ConcurrentDictionary<string, int> _depths = new(StringComparer.Ordinal);

    /// <summary>Offline sessions with an entity on this node.</summary>
    public int Count => _depths.Count;

    internal void Report(string clientId, int depth) => _depths[clientId] = depth;

    internal void Withdraw(string clientId) => _depths.TryRemove(clientId, out _);

    /// <summary>The depth of every offline session's queue here (a copy, in no particular order).</summary>
    public List<int> Snapshot() => [.. _depths.Values];
}
