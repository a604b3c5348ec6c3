using Xunit.Sdk;

namespace ClusterBroker.ClusterTests.Infrastructure;

/// <summary>
/// A fact that partitions the network of a test cluster (<see cref="NetworkPartition"/>): skipped, with the
/// reason, where the machine cannot (not root, no iptables, no netfilter, no cgroup2).
/// </summary>
[XunitTestCaseDiscoverer("ClusterBroker.ClusterTests.Infrastructure.PartitionFactDiscoverer", "ClusterBroker.ClusterTests")]
[AttributeUsage(AttributeTargets.Method)]
public sealed class PartitionFactAttribute : FactAttribute;
