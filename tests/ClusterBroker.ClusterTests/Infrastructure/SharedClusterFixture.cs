namespace ClusterBroker.ClusterTests.Infrastructure;

/// <summary>
/// One 3-node cluster shared by every test of <see cref="SharedClusterCollection"/>: tests that do not
/// stop nodes. They isolate themselves with unique client ids and topics, and run one at a time
/// (one collection), so counters read before and after a test are that test's alone.
/// </summary>
public sealed class SharedClusterFixture : IAsyncLifetime
{
    /// <summary>Sessions queue up to this many messages (the default 1,000 is less than the large-queue test moves).</summary>
    public const int MaxQueuedMessages = 10_000;

    private TestCluster? _cluster;

    public TestCluster Cluster => _cluster ?? throw new InvalidOperationException("the shared cluster did not start");

    public async Task InitializeAsync() =>
        _cluster = await TestCluster.StartAsync(3, "--max-queued", MaxQueuedMessages.ToString(System.Globalization.CultureInfo.InvariantCulture));

    public async Task DisposeAsync()
    {
        if (_cluster is not null)
        {
            await _cluster.DisposeAsync();
        }
    }
}
