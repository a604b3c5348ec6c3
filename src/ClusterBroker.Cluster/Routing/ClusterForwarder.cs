using Akka.Actor;
using ClusterBroker.Cluster.Messages;
using ClusterBroker.Core.Messages;
using ClusterBroker.Core.Routing;

namespace ClusterBroker.Cluster.Routing;

/// <summary>
/// Core's view of the other nodes (<see cref="IClusterForwarder"/>): for a message published on this node,
/// one forward to each node with a matching plain route, and each matching shared group placed on exactly
/// one node of the cluster (round robin over the nodes that have members of the group, this one included).
/// Runs on the publishing thread: it matches the route table and tells each destination's batching sender.
/// </summary>
/// <remarks>
/// $SYS topics are never forwarded: each node publishes its own.
/// </remarks>
public sealed class ClusterForwarder(ClusterRouteTable routes, ClusterMetrics metrics) : IClusterForwarder
{
    [ThreadStatic]
    private static List<RemoteNode>? t_nodes;

    [ThreadStatic]
    private static List<ClusterRouteTable.SharedRoute>? t_shared;

    // One rotating cursor for every group (not one per group, which would need forgetting groups that end):
    // consecutive messages of a group still land on the candidates in turn when one group is busy.
    private int _cursor = -1;

    public void Forward(BrokerMessage message, List<SharedGroup> localGroups)
    {
        if (routes.Count == 0 || message.Topic.StartsWith("$SYS/", StringComparison.Ordinal))
        {
            return;
        }

        List<RemoteNode> nodes = t_nodes ??= new List<RemoteNode>();
        List<ClusterRouteTable.SharedRoute> shared = t_shared ??= new List<ClusterRouteTable.SharedRoute>();
        try
        {
            routes.Match(message.Topic, nodes, shared);
            Dictionary<RemoteNode, List<RouteKey>>? placed = shared.Count > 0 ? PlaceGroups(shared, localGroups) : null;
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
                }
            }
        }
        finally
        {
            nodes.Clear();
            shared.Clear();
        }
    }

    private void Send(RemoteNode node, ForwardedMessage forward)
    {
        node.Sender.Tell(forward, ActorRefs.NoSender);
        metrics.ForwardSent(node);
    }

    /// <summary>
    /// Chooses one node per matching group; removes from <paramref name="localGroups"/> the groups placed on
    /// another node and returns, per remote node, the groups placed there (null when all stayed here).
    /// </summary>
    private Dictionary<RemoteNode, List<RouteKey>>? PlaceGroups(List<ClusterRouteTable.SharedRoute> shared, List<SharedGroup> localGroups)
    {
        Dictionary<RemoteNode, List<RouteKey>>? placed = null;
        // Matches come grouped by filter node in the trie but not necessarily by group: sort them so each
        // group's candidates are adjacent (rarely more than a handful of entries).
        shared.Sort(static (a, b) =>
        {
            int byFilter = string.CompareOrdinal(a.Filter, b.Filter);
            return byFilter != 0 ? byFilter : string.CompareOrdinal(a.Group, b.Group);
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
            int localIndex = localGroups.FindIndex(g => g.Name == key.Group && g.Filter == key.Filter);
            int candidates = (end - start) + (localIndex >= 0 ? 1 : 0);
            int chosen = (int)((uint)Interlocked.Increment(ref _cursor) % (uint)candidates);
            if (chosen < end - start)
            {
                // Another node serves this message of the group.
                if (localIndex >= 0)
                {
                    localGroups.RemoveAt(localIndex);
                }

                RemoteNode node = shared[start + chosen].Node;
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
}
