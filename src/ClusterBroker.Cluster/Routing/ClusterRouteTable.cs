using ClusterBroker.Core.Routing;
using ClusterBroker.Topics;

namespace ClusterBroker.Cluster.Routing;

/// <summary>
/// The routes other nodes announced: one entry per (filter, node) and per (shared group, node), indexed in
/// subscription tries so a PUBLISH finds the nodes to forward to in time proportional to the topic's
/// levels and the matches, never to the number of routes (which may reach millions).
/// </summary>
/// <remarks>
/// Written by the <see cref="RouteReplicatorActor"/> only (deltas, snapshots, purges); read by every
/// publishing thread. A reader-writer lock guards the tries, as in Core's NodeRouter; matching copies the
/// matches out so nothing is delivered under the lock.
/// </remarks>
public sealed class ClusterRouteTable
{
    private readonly ReaderWriterLockSlim _lock = new(LockRecursionPolicy.NoRecursion);
    private readonly SubscriptionTrie<RemoteNode, bool> _plain = new(ReferenceEqualityComparer.Instance);
    private readonly SubscriptionTrie<SharedRoute, SharedRoute> _shared = new();

    /// <summary>The nodes' persistent markers (<see cref="RouteKey.Persistent"/>): filters with a persistent-session subscriber there.</summary>
    private readonly SubscriptionTrie<RemoteNode, bool> _persistent = new(ReferenceEqualityComparer.Instance);
    private readonly Dictionary<RemoteNode, HashSet<RouteKey>> _byNode = new(ReferenceEqualityComparer.Instance);
    private int _count;

    /// <summary>Route entries held for other nodes.</summary>
    public int Count => Volatile.Read(ref _count);

    /// <summary>Adds the route of <paramref name="node"/>; false when it was there already.</summary>
    public bool Add(RemoteNode node, RouteKey route)
    {
        _lock.EnterWriteLock();
        try
        {
            return AddLocked(node, route);
        }
        finally
        {
            _lock.ExitWriteLock();
        }
    }

    /// <summary>Removes the route of <paramref name="node"/>; false when it was not there.</summary>
    public bool Remove(RemoteNode node, RouteKey route)
    {
        _lock.EnterWriteLock();
        try
        {
            return RemoveLocked(node, route);
        }
        finally
        {
            _lock.ExitWriteLock();
        }
    }

    /// <summary>Makes <paramref name="routes"/> the whole route set of <paramref name="node"/> (a snapshot).</summary>
    public void Replace(RemoteNode node, IReadOnlyCollection<RouteKey> routes)
    {
        _lock.EnterWriteLock();
        try
        {
            var wanted = new HashSet<RouteKey>(routes);
            if (_byNode.TryGetValue(node, out HashSet<RouteKey>? current))
            {
                foreach (RouteKey route in current.ToArray())
                {
                    if (!wanted.Contains(route))
                    {
                        RemoveLocked(node, route);
                    }
                }
            }

            foreach (RouteKey route in wanted)
            {
                AddLocked(node, route);
            }
        }
        finally
        {
            _lock.ExitWriteLock();
        }
    }

    /// <summary>Forgets every route of <paramref name="node"/> (it left or was downed); returns how many.</summary>
    public int Purge(RemoteNode node)
    {
        _lock.EnterWriteLock();
        try
        {
            if (!_byNode.TryGetValue(node, out HashSet<RouteKey>? current))
            {
                return 0;
            }

            int removed = current.Count;
            foreach (RouteKey route in current.ToArray())
            {
                RemoveLocked(node, route);
            }

            _byNode.Remove(node);
            return removed;
        }
        finally
        {
            _lock.ExitWriteLock();
        }
    }

    /// <summary>The routes held for <paramref name="node"/> (a copy).</summary>
    public IReadOnlyCollection<RouteKey> RoutesOf(RemoteNode node)
    {
        _lock.EnterReadLock();
        try
        {
            return _byNode.TryGetValue(node, out HashSet<RouteKey>? routes) ? routes.ToArray() : [];
        }
        finally
        {
            _lock.ExitReadLock();
        }
    }

    /// <summary>
    /// Adds to <paramref name="plainNodes"/> each node with a plain route matching <paramref name="topic"/>
    /// (once per node), and to <paramref name="sharedRoutes"/> each (group, node) whose group matches.
    /// </summary>
    public void Match(string topic, List<RemoteNode> plainNodes, List<SharedRoute> sharedRoutes) => Match(topic, plainNodes, sharedRoutes, checkPersistent: false);

    /// <summary>
    /// Collects the nodes with a plain route and the shared routes matching <paramref name="topic"/> and, when
    /// <paramref name="checkPersistent"/>, tells whether some node announced a persistent-session subscriber of a matching
    /// filter: one read lock and one pass for everything a publish needs.
    /// </summary>
    public bool Match(string topic, List<RemoteNode> plainNodes, List<SharedRoute> sharedRoutes, bool checkPersistent)
    {
        if (Volatile.Read(ref _count) == 0)
        {
            return false;
        }

        var plain = new DistinctNodeCollector(plainNodes);
        var shared = new SharedCollector(sharedRoutes);
        var persistent = new AnyCollector();
        _lock.EnterReadLock();
        try
        {
            _plain.Match(topic, ref plain);
            _shared.Match(topic, ref shared);
            if (checkPersistent)
            {
                _persistent.Match(topic, ref persistent);
            }
        }
        finally
        {
            _lock.ExitReadLock();
        }

        return persistent.Found;
    }

    private bool AddLocked(RemoteNode node, RouteKey route)
    {
        if (!_byNode.TryGetValue(node, out HashSet<RouteKey>? routes))
        {
            routes = new HashSet<RouteKey>();
            _byNode.Add(node, routes);
        }

        if (!routes.Add(route))
        {
            return false;
        }

        if (route.Group is null)
        {
            _plain.AddOrUpdate(route.Filter, node, true);
        }
        else if (route.IsPersistentMarker)
        {
            _persistent.AddOrUpdate(route.Filter, node, true);
        }
        else
        {
            var shared = new SharedRoute(route.Group, route.Filter, node);
            _shared.AddOrUpdate(route.Filter, shared, shared);
        }

        _count++;
        return true;
    }

    private bool RemoveLocked(RemoteNode node, RouteKey route)
    {
        if (!_byNode.TryGetValue(node, out HashSet<RouteKey>? routes) || !routes.Remove(route))
        {
            return false;
        }

        if (route.Group is null)
        {
            _plain.Remove(route.Filter, node);
        }
        else if (route.IsPersistentMarker)
        {
            _persistent.Remove(route.Filter, node);
        }
        else
        {
            _shared.Remove(route.Filter, new SharedRoute(route.Group, route.Filter, node));
        }

        _count--;
        return true;
    }

    /// <summary>A node that has members of a shared group (compared by group, filter and node).</summary>
    public sealed record SharedRoute(string Group, string Filter, RemoteNode Node);

    // A node matches once per topic however many of its filters match (several filters may match one topic).
    private readonly struct DistinctNodeCollector(List<RemoteNode> nodes) : ITrieMatchCollector<RemoteNode, bool>
    {
        public void OnMatch(string filter, RemoteNode subscriber, bool value)
        {
            for (int i = 0; i < nodes.Count; i++)
            {
                if (ReferenceEquals(nodes[i], subscriber))
                {
                    return;
                }
            }

            nodes.Add(subscriber);
        }
    }

    // Whether anything matches; a class would allocate per publish, so the struct is passed by reference.
    private struct AnyCollector : ITrieMatchCollector<RemoteNode, bool>
    {
        public bool Found;

        public void OnMatch(string filter, RemoteNode subscriber, bool value) => Found = true;
    }

    private readonly struct SharedCollector(List<SharedRoute> routes) : ITrieMatchCollector<SharedRoute, SharedRoute>
    {
        public void OnMatch(string filter, SharedRoute subscriber, SharedRoute value) => routes.Add(value);
    }
}
