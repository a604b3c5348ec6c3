using System.Globalization;

namespace ClusterBroker.LoadTests.Measurement;

/// <summary>Reads /proc/&lt;pid&gt;/stat (utime, stime) and /proc/&lt;pid&gt;/status (VmRSS). Linux only.</summary>
public static class ProcFs
{
    /// <summary>USER_HZ: the unit of utime/stime; 100 on every Linux this runs on.</summary>
    public const double TicksPerSecond = 100;

    public static ProcessSample Read(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            // After "pid (comm) ": state is field 3, utime 14, stime 15 (1-based) => indexes 11 and 12 here.
            var ticks = long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
            return new ProcessSample(ticks, ReadRssBytes(pid), fields[0] != "Z");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException or IndexOutOfRangeException)
        {
            return ProcessSample.Gone;
        }
    }

    private static long ReadRssBytes(int pid)
    {
        foreach (var line in File.ReadLines($"/proc/{pid}/status"))
        {
            if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
            {
                var kb = line["VmRSS:".Length..].Trim().Split(' ')[0];
                return long.Parse(kb, CultureInfo.InvariantCulture) * 1024;
            }
        }

        return 0;
    }
}
