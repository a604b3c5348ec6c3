using ClusterBroker.LoadTests.Brokers;

namespace ClusterBroker.LoadTests.Tests.Brokers;

/// <summary>ClusterBroker.Host (Release build), started as `dotnet ClusterBroker.Host.dll --port N --bind 127.0.0.1`.</summary>
public sealed class ClusterBrokerProcess : BrokerProcess
{
    public override BrokerSpec Spec { get; } = new(BrokerKind.ClusterBroker, "ClusterBroker", RepositoryPaths.ClusterBrokerDll("Release"));

    public override string? NotStartedBecause => null;
}
