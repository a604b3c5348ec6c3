using System.Runtime.InteropServices;

namespace ClusterBroker.Host;

/// <summary>
/// RLIMIT_NOFILE: every connection is a file descriptor, so the soft limit (often 1024) is raised to
/// the hard limit at start (an unprivileged process may do that, not go beyond it).
/// </summary>
internal static partial class OpenFileLimit
{
    private const int RlimitNofileLinux = 7;

    /// <summary>Descriptors kept for everything that is not a client: runtime, cluster transport, logs, listeners.</summary>
    public const int Reserved = 100;

    /// <summary>Raises the soft limit to the hard limit; returns both after the change, or null where unsupported.</summary>
    public static (ulong Soft, ulong Hard)? RaiseToHardLimit()
    {
        if (!OperatingSystem.IsLinux())
            return null;
        try
        {
            if (getrlimit(RlimitNofileLinux, out RLimit limit) != 0)
                return null;
            if (limit.Current < limit.Maximum)
            {
                var raised = new RLimit { Current = limit.Maximum, Maximum = limit.Maximum };
                if (setrlimit(RlimitNofileLinux, in raised) == 0)
                    limit = raised;
            }
            return (limit.Current, limit.Maximum);
        }
        catch (Exception ex) when (ex is DllNotFoundException or EntryPointNotFoundException)
        {
            return null;
        }
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct RLimit
    {
        public ulong Current;
        public ulong Maximum;
    }

    [LibraryImport("libc", SetLastError = true)]
    private static partial int getrlimit(int resource, out RLimit limit);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int setrlimit(int resource, in RLimit limit);
}
