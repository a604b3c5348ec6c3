using System.Collections.Concurrent;
using Akka.Actor;
using ClusterBroker.Cluster.Messages;
using ClusterBroker.Core.Messages;
using ClusterBroker.Core.Routing;
using ClusterBroker.Core.Routing.Sharing;

namespace ClusterBroker.Cluster.Routing;

/// <summary>
/// Core's view of the other nodes (<see cref="IClusterForwarder"/>): for a message published on this node,
/// one forward to each node with a matching plain route, and each matching shared group placed on exactly
/// one node of the cluster, chosen by the group's strategy among the nodes that have members of the group
/// (this one included); that node then picks the member (the two-level choice of <see cref="ISharedStrategy"/>).
/// Runs on the publishing thread: it matches the route table and tells each destination's batching sender.
/// </summary>
/// <remarks>
/// $SYS topics are never forwarded: each node publishes its own.
/// </remarks>
public sealed class ClusterForwarder(ClusterRouteTable routes, ClusterMetrics metrics, ISharedStrategy? strategy = null, string selfName = "", ISharedMembership? membership = null) : IClusterForwarder
{
    /// <summary>Above this many groups' node-level states, they are forgotten and start over (groups that ended leave theirs behind).</summary>
    private const int MaxGroupStates = 100_000;

    [ThreadStatic]
    private static List<RemoteNode>? t_nodes;

    [ThreadStatic]
    private static List<ClusterRouteTable.SharedRoute>? t_shared;

    [ThreadStatic]
    private static string[]? t_names;

    [ThreadStatic]
    private static RemoteNode?[]? t_candidates;

    [ThreadStatic]
    private static List<RemoteNode>? t_passNodes;

    [ThreadStatic]
    private static List<ClusterRouteTable.SharedRoute>? t_passShared;

    private int _passCursor = -1;
    private readonly ISharedStrategy _strategy = strategy ?? SharedStrategies.RoundRobin;
    private readonly ConcurrentDictionary<RouteKey, SharedChoiceState> _states = new();

    /// <summary>Forwards without asking about persistent sessions (tests, and callers that do not journal).</summary>
    public int Forward(BrokerMessage message, List<SharedGroup> localGroups) => Forward(message, localGroups, checkPersistent: false, out _);

    public int Forward(BrokerMessage message, List<SharedGroup> localGroups, bool checkPersistent, out bool reachesPersistentSession)
    {
        reachesPersistentSession = false;
        if (routes.Count == 0 || message.Topic.StartsWith("$SYS/", StringComparison.Ordinal))
        {
            return 0;
        }

        List<RemoteNode> nodes = t_nodes ??= new List<RemoteNode>();
        List<ClusterRouteTable.SharedRoute> shared = t_shared ??= new List<ClusterRouteTable.SharedRoute>();
        try
        {
            // A shared group is owed the message whoever its members are: the journal keeps it as for a persistent session.
            reachesPersistentSession = routes.Match(message.Topic, nodes, shared, checkPersistent) || (checkPersistent && shared.Count > 0);

            Dictionary<RemoteNode, List<RouteKey>>? placed = shared.Count > 0 ? PlaceGroups(message, shared, localGroups) : null;
            int sent = nodes.Count;
            for (int i = 0; i < nodes.Count; i++)
            {
                List<RouteKey>? groups = null;
                placed?.Remove(nodes[i], out groups);
                Send(nodes[i], new ForwardedMessage(message, Plain: true, groups));
            }

            if (placed is not null)
            {
                foreach ((RemoteNode node, List<RouteKey> groups) in placed)
                {
                    Send(node, new ForwardedMessage(message, Plain: false, groups));
                    sent++;
                }
            }

            return sent;
        }
        finally
        {
            nodes.Clear();
            shared.Clear();
        }
    }

    public bool ForwardToGroup(BrokerMessage message, RouteKey group, byte hops)
    {
        if (routes.Count == 0)
        {
            return false;
        }

        List<RemoteNode> nodes = t_passNodes ??= new List<RemoteNode>();
        List<ClusterRouteTable.SharedRoute> shared = t_passShared ??= new List<ClusterRouteTable.SharedRoute>();
        try
        {
            routes.Match(message.Topic, nodes, shared);
            shared.RemoveAll(r => r.Group != group.Group || r.Filter != group.Filter);
            if (shared.Exists(static r => r.Node.Reachable))
            {
                shared.RemoveAll(static r => !r.Node.Reachable);
            }

            // With the cluster-wide membership: a node with an online member, when there is one.
            if (membership is not null && membership.TryGetOnlineNodes(group, out IReadOnlyCollection<string> online)
                && shared.Exists(r => Contains(online, r.Node.Name)))
            {
                shared.RemoveAll(r => !Contains(online, r.Node.Name));
            }

            if (shared.Count == 0)
            {
                return false;
            }

            // No member online where it was placed: any node with members will do; take turns.
            RemoteNode node = shared[(int)((uint)Interlocked.Increment(ref _passCursor) % (uint)shared.Count)].Node;
            Send(node, new ForwardedMessage(message, Plain: false, [group], hops));
            return true;
        }
        finally
        {
            nodes.Clear();
            shared.Clear();
        }
    }

    private void Send(RemoteNode node, ForwardedMessage forward)
    {
        if (node.Orphaned is { } orphaned)
        {
            // The node is dead and its sessions are continuing elsewhere: until their own routes are everywhere, the
            // crash replay keeps what was meant for them (shared routes were dropped at once).
            orphaned.Keep(forward);
            return;
        }

        node.Forward(forward);
        metrics.ForwardSent(node);
    }

    /// <summary>
    /// Chooses one node per matching group; removes from <paramref name="localGroups"/> the groups placed on
    /// another node and returns, per remote node, the groups placed there (null when all stayed here).
    /// </summary>
    private Dictionary<RemoteNode, List<RouteKey>>? PlaceGroups(BrokerMessage message, List<ClusterRouteTable.SharedRoute> shared, List<SharedGroup> localGroups)
    {
        Dictionary<RemoteNode, List<RouteKey>>? placed = null;
        // Each group's candidates adjacent and, within a group, sorted by node name: the order every node uses,
        // so a deterministic strategy chooses the same node whichever node publishes.
        shared.Sort(static (a, b) =>
        {
            int byFilter = string.CompareOrdinal(a.Filter, b.Filter);
            if (byFilter != 0)
            {
                return byFilter;
            }

            int byGroup = string.CompareOrdinal(a.Group, b.Group);
            return byGroup != 0 ? byGroup : string.CompareOrdinal(a.Node.Name, b.Node.Name);
        });
        int start = 0;
        while (start < shared.Count)
        {
            int end = start + 1;
            while (end < shared.Count && shared[end].Group == shared[start].Group && shared[end].Filter == shared[start].Filter)
            {
                end++;
            }

            var key = new RouteKey(shared[start].Filter, shared[start].Group);
            int localGroup = IndexOf(localGroups, key);
            int capacity = (end - start) + 1;
            string[] names = t_names is { } n && n.Length >= capacity ? n : t_names = new string[Math.Max(capacity, 8)];
            RemoteNode?[] nodes = t_candidates is { } c && c.Length >= names.Length ? c : t_candidates = new RemoteNode?[names.Length];

            // Unreachable nodes are left out while another candidate exists; so are, when the cluster-wide membership
            // knows the group, nodes whose members are all offline while a node with an online member exists.
            IReadOnlyCollection<string>? online = null;
            if (membership is not null && membership.TryGetOnlineNodes(key, out IReadOnlyCollection<string> known)
                && (localGroup >= 0 && localGroups[localGroup].HasOnlineMember || AnyIn(known, shared, start, end)))
            {
                online = known;
            }

            bool localCandidate = localGroup >= 0 && (online is null || localGroups[localGroup].HasOnlineMember);
            bool anyReachable = localCandidate;
            for (int r = start; r < end && !anyReachable; r++)
            {
                anyReachable = shared[r].Node.Reachable && (online is null || Contains(online, shared[r].Node.Name));
            }

            int count = 0;
            int localIndex = -1;
            for (int r = start; r <= end; r++)
            {
                // This node takes its place among the remote ones in name order (the local candidate is a null node).
                if (localCandidate && localIndex < 0 && (r == end || string.CompareOrdinal(selfName, shared[r].Node.Name) < 0))
                {
                    localIndex = count;
                    names[count] = selfName;
                    nodes[count++] = null;
                }

                if (r < end && (!anyReachable || (shared[r].Node.Reachable && (online is null || Contains(online, shared[r].Node.Name)))))
                {
                    names[count] = shared[r].Node.Name;
                    nodes[count++] = shared[r].Node;
                }
            }

            int chosen = _strategy.Choose(names.AsSpan(0, count), message, localIndex, ChoiceLevel.Node, StateOf(key));
            RemoteNode? node = nodes[chosen];
            Array.Clear(names, 0, count);
            Array.Clear(nodes, 0, count);
            if (node is not null)
            {
                // Another node serves this message of the group.
                if (localGroup >= 0)
                {
                    localGroups.RemoveAt(localGroup);
                }

                placed ??= new Dictionary<RemoteNode, List<RouteKey>>(ReferenceEqualityComparer.Instance);
                if (!placed.TryGetValue(node, out List<RouteKey>? list))
                {
                    placed.Add(node, list = new List<RouteKey>(1));
                }

                list.Add(key);
            }

            start = end;
        }

        return placed;
    }

    private static bool AnyIn(IReadOnlyCollection<string> online, List<ClusterRouteTable.SharedRoute> shared, int start, int end)
    {
        for (int r = start; r < end; r++)
        {
            if (shared[r].Node.Reachable && Contains(online, shared[r].Node.Name))
            {
                return true;
            }
        }

        return false;
    }

    private static bool Contains(IReadOnlyCollection<string> names, string name)
    {
        foreach (string candidate in names)
        {
            if (string.Equals(candidate, name, StringComparison.Ordinal))
            {
                return true;
            }
        }

        return false;
    }

    private static int IndexOf(List<SharedGroup> groups, RouteKey key)
    {
        for (int i = 0; i < groups.Count; i++)
        {
            if (groups[i].Name == key.Group && groups[i].Filter == key.Filter)
            {
                return i;
            }
        }

        return -1;
    }

    private SharedChoiceState StateOf(RouteKey key)
    {
        if (_states.TryGetValue(key, out SharedChoiceState? state))
        {
            return state;
        }

        if (_states.Count >= MaxGroupStates)
        {
            _states.Clear();
        }

        return _states.GetOrAdd(key, static k => new SharedChoiceState(k.Group + "/" + k.Filter));
    }
}
