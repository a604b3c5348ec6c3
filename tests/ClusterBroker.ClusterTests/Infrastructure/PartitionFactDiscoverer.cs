using Xunit.Sdk;

namespace ClusterBroker.ClusterTests.Infrastructure;

/// <summary>Skips a <see cref="PartitionFactAttribute"/> test, saying why, when <see cref="NetworkPartition.UnavailableBecause"/> has a reason.</summary>
public sealed class PartitionFactDiscoverer(IMessageSink diagnosticMessageSink) : IXunitTestCaseDiscoverer
{
    public IEnumerable<IXunitTestCase> Discover(ITestFrameworkDiscoveryOptions discoveryOptions, ITestMethod testMethod, IAttributeInfo factAttribute)
    {
        TestMethodDisplay display = discoveryOptions.MethodDisplayOrDefault();
        TestMethodDisplayOptions displayOptions = discoveryOptions.MethodDisplayOptionsOrDefault();
        // Not in the default run yet: its heal phase (node 3 restarted into the cluster) failed in 2 of 4 CI runs, the
        // restarted node seen unreachable again after the rules were deleted (issue 10). loadtests/chaos.sh partition
        // sets CLUSTERBROKER_PARTITION_TESTS=1 and runs it.
        if (Environment.GetEnvironmentVariable("CLUSTERBROKER_PARTITION_TESTS") != "1")
        {
            return [new XunitSkippedDataRowTestCase(diagnosticMessageSink, display, displayOptions, testMethod,
                "Network partition test off by default (its heal phase is not reliable in CI yet, issue 10); set CLUSTERBROKER_PARTITION_TESTS=1 or run loadtests/chaos.sh partition")];
        }

        if (NetworkPartition.UnavailableBecause is { } reason)
        {
            return [new XunitSkippedDataRowTestCase(diagnosticMessageSink, display, displayOptions, testMethod, $"No network partition on this machine: {reason}")];
        }

        return [new XunitTestCase(diagnosticMessageSink, display, displayOptions, testMethod)];
    }
}
