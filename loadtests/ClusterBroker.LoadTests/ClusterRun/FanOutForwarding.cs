namespace ClusterBroker.LoadTests.ClusterRun;

/// <summary>
/// What the nodes' $SYS counters say about a fan-out across the cluster: per node the growth of forwards sent,
/// received and batches, and of PUBLISH packets received from clients, between a reading before the run and one
/// after it; with the deliveries the runner counted at the subscribers of each node.
/// </summary>
public sealed record FanOutForwarding(IReadOnlyList<FanOutForwarding.Node> Nodes, int PublisherNode)
{
    /// <param name="Deliveries">Messages the runner counted at this node's subscribers (unique, probes excluded).</param>
    /// <param name="ProbeDeliveries">Probe messages this node's subscribers received (they were forwarded too).</param>
    public sealed record Node(int Publishers, int Subscribers, long? ForwardsSent, long? ForwardsReceived, long? Batches, long? PublishesReceived, long Deliveries, long ProbeDeliveries = 0)
    {
        /// <summary>Deliveries to this node's subscribers (probes included, like the forwards) per forward it received.</summary>
        public double? DeliveriesPerForward => ForwardsReceived is > 0 ? (Deliveries + ProbeDeliveries) / (double)ForwardsReceived : null;
    }

    public static FanOutForwarding From(IReadOnlyList<SysSnapshot> before, IReadOnlyList<SysSnapshot> after, IReadOnlyList<int> publishers, IReadOnlyList<int> subscribers, IReadOnlyList<long> deliveries, IReadOnlyList<long>? probeDeliveries = null)
    {
        var nodes = new List<Node>();
        for (var n = 0; n < before.Count; n++)
        {
            nodes.Add(new Node(
                n < publishers.Count ? publishers[n] : 0,
                n < subscribers.Count ? subscribers[n] : 0,
                SysSnapshot.Delta(before[n], after[n], SysSnapshot.ForwardsSent),
                SysSnapshot.Delta(before[n], after[n], SysSnapshot.ForwardsReceived),
                SysSnapshot.Delta(before[n], after[n], SysSnapshot.ForwardBatches),
                SysSnapshot.Delta(before[n], after[n], SysSnapshot.MessagesReceived),
                n < deliveries.Count ? deliveries[n] : 0,
                probeDeliveries is not null && n < probeDeliveries.Count ? probeDeliveries[n] : 0));
        }

        var publisherNode = Math.Max(0, nodes.FindIndex(n => n.Publishers > 0));
        return new FanOutForwarding(nodes, publisherNode);
    }

    /// <summary>PUBLISH packets the publisher's node received from clients (the published messages, probes included).</summary>
    public long? Published => Nodes[PublisherNode].PublishesReceived;

    /// <summary>Other nodes that have subscribers: each should get exactly one forward per published message.</summary>
    public int RemoteNodesWithSubscribers => Nodes.Where((n, i) => i != PublisherNode && n.Subscribers > 0).Count();

    /// <summary>Forwards the publisher's node sent, per published message and per remote node with subscribers.</summary>
    public double? ForwardsPerMessagePerRemoteNode =>
        Published is > 0 && Nodes[PublisherNode].ForwardsSent is { } sent && RemoteNodesWithSubscribers > 0
            ? sent / (double)Published / RemoteNodesWithSubscribers
            : null;

    /// <summary>Forwards each remote node with subscribers received, per published message.</summary>
    public IEnumerable<(int Node, double? PerMessage)> ReceivedPerMessage() =>
        Nodes.Select((n, i) => (i, n))
            .Where(x => x.i != PublisherNode && x.n.Subscribers > 0)
            .Select(x => (x.i, Published is > 0 && x.n.ForwardsReceived is { } r ? r / (double)Published : (double?)null));
}
