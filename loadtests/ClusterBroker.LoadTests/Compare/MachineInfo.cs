using System.Globalization;
using System.Runtime.InteropServices;

namespace ClusterBroker.LoadTests.Compare;

/// <summary>A one-line description of this machine for RESULTS.md: CPU model, cores, memory, kernel, .NET.</summary>
public static class MachineInfo
{
    public static string Describe()
    {
        var cpu = ReadFirst("/proc/cpuinfo", "model name") ?? RuntimeInformation.ProcessArchitecture.ToString();
        var memoryKb = ReadFirst("/proc/meminfo", "MemTotal")?.Split(' ', StringSplitOptions.RemoveEmptyEntries)[0];
        var memory = long.TryParse(memoryKb, NumberStyles.None, CultureInfo.InvariantCulture, out var kb) ? $"{kb / 1048576.0:0} GiB" : "? GiB";
        var kernel = File.Exists("/proc/sys/kernel/osrelease") ? File.ReadAllText("/proc/sys/kernel/osrelease").Trim() : Environment.OSVersion.ToString();
        return string.Create(CultureInfo.InvariantCulture, $"{cpu}, {Environment.ProcessorCount} cores, {memory} RAM, Linux {kernel}, .NET {Environment.Version}");
    }

    /// <summary>The 1, 5 and 15 minute load averages: how busy the machine was besides the comparison.</summary>
    public static string LoadAverage() =>
        File.Exists("/proc/loadavg") ? string.Join(" / ", File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "n/a";

    private static string? ReadFirst(string path, string key)
    {
        if (!File.Exists(path))
        {
            return null;
        }

        foreach (var line in File.ReadLines(path))
        {
            if (line.StartsWith(key, StringComparison.Ordinal))
            {
                return line[(line.IndexOf(':') + 1)..].Trim();
            }
        }

        return null;
    }
}
