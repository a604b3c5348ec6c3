using Xunit.Sdk;

namespace ClusterBroker.ClusterTests.Infrastructure;

/// <summary>Skips a <see cref="PartitionFactAttribute"/> test, saying why, when <see cref="NetworkPartition.UnavailableBecause"/> has a reason.</summary>
public sealed class PartitionFactDiscoverer(IMessageSink diagnosticMessageSink) : IXunitTestCaseDiscoverer
{
    public IEnumerable<IXunitTestCase> Discover(ITestFrameworkDiscoveryOptions discoveryOptions, ITestMethod testMethod, IAttributeInfo factAttribute)
    {
        TestMethodDisplay display = discoveryOptions.MethodDisplayOrDefault();
        TestMethodDisplayOptions displayOptions = discoveryOptions.MethodDisplayOptionsOrDefault();
        if (NetworkPartition.UnavailableBecause is { } reason)
        {
            return [new XunitSkippedDataRowTestCase(diagnosticMessageSink, display, displayOptions, testMethod, $"No network partition on this machine: {reason}")];
        }

        return [new XunitTestCase(diagnosticMessageSink, display, displayOptions, testMethod)];
    }
}
