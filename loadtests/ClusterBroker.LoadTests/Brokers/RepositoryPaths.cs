namespace ClusterBroker.LoadTests.Brokers;

/// <summary>Where the brokers built from this repository live, found by walking up to ClusterBroker.sln.</summary>
public static class RepositoryPaths
{
    public static string Root()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "ClusterBroker.sln")))
            {
                return directory.FullName;
            }
        }

        return Directory.GetCurrentDirectory();
    }

    public static string PeerBrokerDll(string configuration = "Release") =>
        Path.Combine(Root(), "loadtests", "ClusterBroker.PeerBroker", "bin", configuration, "net10.0", "ClusterBroker.PeerBroker.dll");

    public static string ClusterBrokerDll(string configuration = "Release") =>
        Path.Combine(Root(), "src", "ClusterBroker.Host", "bin", configuration, "net10.0", "ClusterBroker.Host.dll");
}
