namespace ClusterBroker.LoadTests.Configuration;

/// <summary>
/// Which broker endpoint (index into <see cref="RunSettings.Brokers"/>) each client connects to.
/// Subscribers and publishers are each spread round robin from the first endpoint, independently of one
/// another (so one publisher of a fan-out always lands on the first endpoint). p2p places every pair
/// explicitly: cross-node puts its publisher and its subscriber on different endpoints, rotating through
/// every ordered (publisher node, subscriber node) combination so each direction carries the same load;
/// same-node puts both on one endpoint.
/// </summary>
public static class ClientPlacement
{
    /// <summary>Endpoint of the <paramref name="index"/>-th subscriber (or publisher) when nothing else is asked.</summary>
    public static int RoundRobin(int index, int brokers) => brokers <= 1 ? 0 : index % brokers;

    /// <summary>Whether p2p runs cross-node: as asked, else whenever more than one endpoint is given.</summary>
    public static bool CrossNode(RunSettings settings)
    {
        var crossNode = settings.CrossNode ?? settings.Brokers.Count > 1;
        if (crossNode && settings.Brokers.Count < 2)
        {
            throw new ArgumentException("--cross-node needs at least two --broker endpoints (the nodes of one cluster)");
        }

        return crossNode;
    }

    /// <summary>
    /// The endpoints of pair <paramref name="pair"/>'s publisher and subscriber. Subscribers go round robin;
    /// cross-node, the publisher sits 1..(brokers-1) endpoints further on, the offset advancing once per full
    /// round of subscribers, so with 3 endpoints pairs 0-5 run 1->0, 2->1, 0->2, 2->0, 0->1, 1->2.
    /// </summary>
    public static (int Publisher, int Subscriber) Pair(int pair, int brokers, bool crossNode)
    {
        var subscriber = RoundRobin(pair, brokers);
        if (!crossNode || brokers <= 1)
        {
            return (subscriber, subscriber);
        }

        var offset = 1 + (pair / brokers % (brokers - 1));
        return ((subscriber + offset) % brokers, subscriber);
    }
}
