using System.Reflection;

namespace ClusterBroker.LoadTests.Tests.Brokers;

/// <summary>Debug or Release: the configuration these tests were built in, so sibling projects are found in the same one.</summary>
public static class BuildConfiguration
{
    public static string Current { get; } =
        typeof(BuildConfiguration).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration ?? "Release";
}
