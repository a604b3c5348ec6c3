namespace ClusterBroker.Core.Routing.Sharing;

/// <summary>
/// Cluster-wide shared-group membership (group, filter, member ClientId, node, online), kept outside the node (Redis in
/// cluster mode) and cached on every node. The router reports its own members' changes; the forwarder asks which nodes
/// have an online member, so a message is not placed on a node whose members are all offline. Null (no store) keeps
/// the route-based membership alone.
/// </summary>
/// <remarks>Every method is called on hot or locked paths: it must not block (writes are sent without waiting).</remarks>
public interface ISharedMembership
{
    /// <summary>A member of <paramref name="group"/> on this node joined, came online or went offline.</summary>
    void MemberChanged(RouteKey group, string clientId, bool online);

    /// <summary>A member of <paramref name="group"/> on this node left the group.</summary>
    void MemberRemoved(RouteKey group, string clientId);

    /// <summary>
    /// The nodes (addresses without uid, as <c>RemoteNode.Name</c>) with at least one online member of the group, as
    /// this node's cache knows them; false when the cache cannot tell (not loaded yet, or the group unknown to it).
    /// </summary>
    bool TryGetOnlineNodes(RouteKey group, out IReadOnlyCollection<string> nodes);

    /// <summary>
    /// Raised (on the store's thread, never under a lock of the router) when a member of a group comes online on
    /// another node: messages this node keeps for the group can go there.
    /// </summary>
    event Action<RouteKey>? MemberOnlineElsewhere;

    /// <summary>A node left the cluster or was downed: its members are removed (<paramref name="node"/> names its incarnation).</summary>
    void NodeRemoved(string node);
}
