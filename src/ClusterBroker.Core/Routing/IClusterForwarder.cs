using ClusterBroker.Core.Messages;

namespace ClusterBroker.Core.Routing;

/// <summary>
/// The other nodes, as seen by the router of this one. For a message published on this node it sends ONE
/// forward to every other node with a matching route (however many of that node's clients match), and
/// places each matching shared group on exactly one node of the cluster.
/// </summary>
public interface IClusterForwarder
{
    /// <summary>
    /// Forwards <paramref name="message"/> (published on this node) to the other nodes that need it.
    /// <paramref name="localGroups"/> holds the shared groups matched on this node; the forwarder removes
    /// from it every group it placed on another node (this node delivers to the groups left in it).
    /// Returns the number of forwards sent (at most one per node). With <paramref name="checkPersistent"/>, the same
    /// match also tells whether another node announced a persistent-session subscriber of a filter matching the topic
    /// (the publish journal's question), in <paramref name="reachesPersistentSession"/>.
    /// </summary>
    int Forward(BrokerMessage message, List<SharedGroup> localGroups, bool checkPersistent, out bool reachesPersistentSession);

    /// <summary>
    /// Sends <paramref name="message"/> to another node that has members of <paramref name="group"/> (its <paramref name="hops"/>-th
    /// extra hop), for when no member is online here; false when no other node has members.
    /// </summary>
    bool ForwardToGroup(BrokerMessage message, RouteKey group, byte hops);
}
