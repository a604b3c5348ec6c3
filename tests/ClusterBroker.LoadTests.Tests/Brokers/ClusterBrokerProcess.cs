using ClusterBroker.LoadTests.Brokers;

namespace ClusterBroker.LoadTests.Tests.Brokers;

/// <summary>ClusterBroker.Host (Release build), started as `dotnet ClusterBroker.Host.dll --port N --bind 127.0.0.1`.</summary>
public sealed class ClusterBrokerProcess : BrokerProcess
{
    /// <summary>
    /// The one line to flip when ClusterBroker serves MQTT: set to null and the ClusterBroker smoke tests
    /// start the host and run every scenario against it.
    /// </summary>
    public const string? NotServingYet = "ClusterBroker.Host not yet serving MQTT";

    public override BrokerSpec Spec { get; } = new(BrokerKind.ClusterBroker, "ClusterBroker", RepositoryPaths.ClusterBrokerDll("Release"));

    public override string? NotStartedBecause => NotServingYet;
}
