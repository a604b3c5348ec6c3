namespace ClusterBroker.ClusterTests.Infrastructure;

/// <summary>The test classes that share one 3-node cluster (<see cref="SharedClusterFixture"/>).</summary>
[CollectionDefinition(Name)]
public sealed class SharedClusterCollection : ICollectionFixture<SharedClusterFixture>
{
    public const string Name = "Shared 3-node cluster";
}
