using ClusterBroker.LoadTests.Tests.Brokers;
using Xunit.Abstractions;
using Xunit.Sdk;

namespace ClusterBroker.LoadTests.Tests.Smoke;

/// <summary>Finds the BrokerProcess type argument of the test class and skips its tests if that broker is not to be started.</summary>
public sealed class BrokerFactDiscoverer(IMessageSink diagnosticMessageSink) : IXunitTestCaseDiscoverer
{
    public IEnumerable<IXunitTestCase> Discover(ITestFrameworkDiscoveryOptions discoveryOptions, ITestMethod testMethod, IAttributeInfo factAttribute)
    {
        var display = discoveryOptions.MethodDisplayOrDefault();
        var displayOptions = discoveryOptions.MethodDisplayOptionsOrDefault();
        if (SkipReason(testMethod.TestClass.Class) is { } reason)
        {
            return [new XunitSkippedDataRowTestCase(diagnosticMessageSink, display, displayOptions, testMethod, reason)];
        }

        return [new XunitTestCase(diagnosticMessageSink, display, displayOptions, testMethod)];
    }

    private static string? SkipReason(ITypeInfo testClass)
    {
        for (var type = (testClass as IReflectionTypeInfo)?.Type; type is not null; type = type.BaseType)
        {
            var fixture = type.IsGenericType ? type.GetGenericArguments().FirstOrDefault(t => typeof(BrokerProcess).IsAssignableFrom(t)) : null;
            if (fixture is not null)
            {
                return ((BrokerProcess)Activator.CreateInstance(fixture)!).NotStartedBecause;
            }
        }

        return null;
    }
}
