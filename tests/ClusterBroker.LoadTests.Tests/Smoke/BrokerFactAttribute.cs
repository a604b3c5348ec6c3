using Xunit.Sdk;

namespace ClusterBroker.LoadTests.Tests.Smoke;

/// <summary>
/// A fact run against the test class's broker fixture; skipped, with the fixture's reason, when the
/// fixture says its broker is not to be started (BrokerProcess.NotStartedBecause).
/// </summary>
[XunitTestCaseDiscoverer("ClusterBroker.LoadTests.Tests.Smoke.BrokerFactDiscoverer", "ClusterBroker.LoadTests.Tests")]
[AttributeUsage(AttributeTargets.Method)]
public sealed class BrokerFactAttribute : FactAttribute;
