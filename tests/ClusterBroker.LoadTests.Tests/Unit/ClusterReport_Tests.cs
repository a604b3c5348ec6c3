using ClusterBroker.LoadTests.ClusterRun;

namespace ClusterBroker.LoadTests.Tests.Unit;

public sealed class ClusterReport_Tests
{
    private static SysSnapshot Sys(long sent, long received, long batches, long published) => SysSnapshot.Parse(
        $"$SYS/broker/cluster/members 3\n$SYS/broker/cluster/forwards/sent {sent}\n$SYS/broker/cluster/forwards/received {received}\n" +
        $"$SYS/broker/cluster/forwards/batches {batches}\n$SYS/broker/messages/received {published}\n$SYS/broker/version ClusterBroker 1.0.0\n");

    [Fact]
    public void Fan_out_forwarding_counts_forwards_per_published_message_per_remote_node_from_the_counter_growth()
    {
        SysSnapshot[] before = [Sys(100, 7, 50, 1000), Sys(0, 40, 0, 5), Sys(3, 37, 1, 0)];
        SysSnapshot[] after = [Sys(100 + 2400, 7, 50 + 300, 1000 + 1200), Sys(0, 40 + 1200, 0, 5), Sys(3, 37 + 1200, 1, 0)];

        var f = FanOutForwarding.From(before, after, [1, 0, 0], [10, 10, 10], [12_000, 12_000, 12_000]);

        Assert.Equal(0, f.PublisherNode);
        Assert.Equal(1200, f.Published);
        Assert.Equal(2, f.RemoteNodesWithSubscribers);
        Assert.Equal(1.0, f.ForwardsPerMessagePerRemoteNode);
        Assert.Equal([(1, 1.0), (2, 1.0)], f.ReceivedPerMessage().Select(x => (x.Node, x.PerMessage ?? 0)));
        Assert.Equal(10.0, f.Nodes[1].DeliveriesPerForward);
        Assert.Equal(300, f.Nodes[0].Batches);
        Assert.Null(f.Nodes[0].DeliveriesPerForward); // received none
    }

    [Fact]
    public void A_remote_node_without_subscribers_is_not_expected_to_get_forwards()
    {
        SysSnapshot[] before = [Sys(0, 0, 0, 0), Sys(0, 0, 0, 0), Sys(0, 0, 0, 0)];
        SysSnapshot[] after = [Sys(500, 0, 10, 500), Sys(0, 500, 0, 0), Sys(0, 0, 0, 0)];

        var f = FanOutForwarding.From(before, after, [1, 0, 0], [5, 5, 0], [2500, 2500, 0]);

        Assert.Equal(1, f.RemoteNodesWithSubscribers);
        Assert.Equal(1.0, f.ForwardsPerMessagePerRemoteNode);
    }

    [Fact]
    public void The_cluster_section_replaces_only_its_own_section()
    {
        var text = "# Load test results\n\n## Comparison\n\nold table\n\n## Cluster\n\nold cluster\n\n## Topic trie\n\ntrie\n";

        var result = Compare.ResultsFileSection.Splice(text, "## Cluster", "## Cluster\n\nnew cluster\n\n### Targets\n\n- met\n");

        Assert.Contains("old table", result);
        Assert.Contains("new cluster", result);
        Assert.Contains("### Targets", result);
        Assert.DoesNotContain("old cluster", result);
        Assert.Contains("## Topic trie\n\ntrie", result);
    }
}
