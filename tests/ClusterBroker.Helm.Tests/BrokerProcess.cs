using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Text;

namespace ClusterBroker.Helm.Tests;

/// <summary>ClusterBroker.Host.dll run as a pod would run it (arguments and environment); killed on dispose whatever happened.</summary>
internal sealed class BrokerProcess : IDisposable
{
    private const int SigTerm = 15;
    private readonly Process _process;
    private readonly StringBuilder _output = new();

    private static readonly List<Process> s_running = [];

    static BrokerProcess()
    {
        // A test process that ends without disposing (a crash, an abort) leaves no broker behind.
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            lock (s_running)
            {
                foreach (Process process in s_running)
                {
                    try
                    {
                        if (!process.HasExited)
                            process.Kill(entireProcessTree: true);
                    }
                    catch (InvalidOperationException)
                    {
                    }
                }
            }
        };
    }

    private BrokerProcess(Process process) => _process = process;

    public bool HasExited => _process.HasExited;

    public string Output
    {
        get { lock (_output) return _output.ToString(); }
    }

    /// <summary>The last lines of the output, for failure messages.</summary>
    public string Tail(int lines = 40)
    {
        string[] all = Output.Split('\n');
        return string.Join('\n', all.Skip(Math.Max(0, all.Length - lines)));
    }

    public static string HostDll
    {
        get
        {
            // tests/ClusterBroker.Helm.Tests/bin/<Configuration>/<framework> -> src/ClusterBroker.Host/bin/<Configuration>/<framework>
            var testBin = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
            string dll = Path.Combine(Chart.RepositoryRoot, "src", "ClusterBroker.Host", "bin", testBin.Parent!.Name, testBin.Name, "ClusterBroker.Host.dll");
            if (!File.Exists(dll))
                throw new FileNotFoundException($"Build src/ClusterBroker.Host first: {dll} is missing.", dll);
            return dll;
        }
    }

    public static BrokerProcess Start(IEnumerable<string> arguments, IReadOnlyDictionary<string, string> environment)
    {
        var info = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add(HostDll);
        foreach (string argument in arguments)
            info.ArgumentList.Add(argument);
        // For diagnosing a failure that is hard to reproduce: with CLUSTERBROKER_TEST_DUMP_DIR set, every broker logs at
        // Debug and its whole output is written to proc-<pid>.log there.
        string? dumpDir = Environment.GetEnvironmentVariable("CLUSTERBROKER_TEST_DUMP_DIR");
        if (dumpDir is not null)
        {
            info.ArgumentList.Add("--log-level");
            info.ArgumentList.Add("Debug");
        }
        // Only what the pod gets: no ClusterBroker__ variable of this machine leaks in.
        foreach (string key in info.Environment.Keys.Where(k => k.StartsWith("ClusterBroker__", StringComparison.OrdinalIgnoreCase)).ToList())
            info.Environment.Remove(key);
        foreach ((string key, string value) in environment)
            info.Environment[key] = value;
        info.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        var process = new Process { StartInfo = info, EnableRaisingEvents = true };
        var broker = new BrokerProcess(process);
        process.Start();
        StreamWriter? dump = dumpDir is null ? null : new StreamWriter(Path.Combine(dumpDir, $"proc-{process.Id}.log")) { AutoFlush = true };
        var dumpLock = new object();
        void OnOutput(string? line)
        {
            broker.OnLine(line);
            if (dump is not null && line is not null)
                lock (dumpLock)
                    dump.WriteLine(line);
        }
        process.OutputDataReceived += (_, e) => OnOutput(e.Data);
        process.ErrorDataReceived += (_, e) => OnOutput(e.Data);
        lock (s_running)
            s_running.Add(process);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return broker;
    }

    /// <summary>A redis-server on 127.0.0.1 with a password, no persistence (stands for the external Redis).</summary>
    public static BrokerProcess StartRedis(int port, string password)
    {
        var info = new ProcessStartInfo("redis-server")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string argument in new[] { "--port", port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--bind", "127.0.0.1", "--requirepass", password, "--save", "", "--appendonly", "no", "--daemonize", "no" })
            info.ArgumentList.Add(argument);
        var process = new Process { StartInfo = info, EnableRaisingEvents = true };
        var redis = new BrokerProcess(process);
        process.OutputDataReceived += (_, e) => redis.OnLine(e.Data);
        process.ErrorDataReceived += (_, e) => redis.OnLine(e.Data);
        process.Start();
        lock (s_running)
            s_running.Add(process);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return redis;
    }

    public void Terminate()
    {
        if (kill(_process.Id, SigTerm) != 0)
            throw new InvalidOperationException($"kill({_process.Id}, SIGTERM) failed: errno {Marshal.GetLastPInvokeError()}");
    }

    /// <summary>Waits for the exit; null when it did not exit in time.</summary>
    public async Task<int?> WaitForExitAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(cts.Token);
            return _process.ExitCode;
        }
        catch (OperationCanceledException)
        {
            return null;
        }
    }

    public void Dispose()
    {
        lock (s_running)
            s_running.Remove(_process);
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                _process.WaitForExit(10_000);
            }
        }
        catch (InvalidOperationException)
        {
        }
        _process.Dispose();
    }

    /// <summary>
    /// Distinct ports free on every address of this machine (bound on 0.0.0.0, then released), taken below Linux's
    /// ephemeral range (32768 and up) so that no outgoing connection or port-0 listener gets one before its pod binds it.
    /// </summary>
    public static int[] FreePorts(int count)
    {
        var ports = new List<int>();
        for (int attempt = 0; ports.Count < count && attempt < 10_000; attempt++)
        {
            int port = Random.Shared.Next(20_000, 32_000);
            if (ports.Contains(port))
                continue;
            try
            {
                var listener = new TcpListener(IPAddress.Any, port);
                listener.Start();
                listener.Stop();
                ports.Add(port);
            }
            catch (SocketException)
            {
                // in use: try another
            }
        }
        if (ports.Count < count)
            throw new InvalidOperationException("no free ports between 20000 and 32000");
        return [.. ports];
    }

    private void OnLine(string? line)
    {
        if (line is null)
            return;
        lock (_output)
            _output.AppendLine(line);
    }

    [DllImport("libc", SetLastError = true)]
    private static extern int kill(int pid, int signal);
}
