namespace ClusterBroker.LoadTests.Brokers;

/// <summary>Finds a program on PATH (and in /usr/sbin, where Debian puts mosquitto).</summary>
public static class Executable
{
    public static string? Find(string name)
    {
        var directories = (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Append("/usr/sbin").Append("/usr/local/sbin");
        return directories.Select(d => Path.Combine(d, name)).FirstOrDefault(File.Exists);
    }
}
