using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text.RegularExpressions;

namespace ClusterBroker.ClusterTests.Infrastructure;

/// <summary>
/// One ClusterBroker.Host process of a test cluster, started with the contract's arguments. Every
/// output line is kept (<see cref="Log"/>); disposing kills the process if it still runs, whatever
/// the test's outcome.
/// </summary>
public sealed partial class ClusterNode : IAsyncDisposable
{
    private const int SigKill = 9;
    private const int SigTerm = 15;

    /// <summary>Nodes started and not yet exited: killed when the test process exits, should a fixture never be disposed.</summary>
    private static readonly ConcurrentDictionary<ClusterNode, bool> Running = new();

    private readonly Process _process;
    private readonly TaskCompletionSource<int> _exited = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private StreamWriter? _dump;

    static ClusterNode() => AppDomain.CurrentDomain.ProcessExit += (_, _) => KillRunning();

    private ClusterNode(int number, int run, int mqttPort, int clusterPort, IReadOnlyList<string> arguments, Process process)
    {
        Number = number;
        Run = run;
        MqttPort = mqttPort;
        ClusterPort = clusterPort;
        Arguments = arguments;
        _process = process;
    }

    /// <summary>1 for the first node of the seed list.</summary>
    public int Number { get; }

    /// <summary>1 for the first process of this node, 2 after one restart...</summary>
    public int Run { get; }

    public string Name => Run == 1 ? $"node{Number}" : $"node{Number} (run {Run})";

    public int MqttPort { get; }

    public int ClusterPort { get; }

    /// <summary>The node's cluster address as the membership log lines name it.</summary>
    public string Address => $"akka.tcp://cluster-broker@127.0.0.1:{ClusterPort}";

    public IReadOnlyList<string> Arguments { get; }

    public int ProcessId => _process.Id;

    /// <summary>Standard output and error, line by line, in arrival order.</summary>
    public Collector<string> Log { get; } = new();

    /// <summary>Completes with the exit code when the process has exited.</summary>
    public Task<int> Exited => _exited.Task;

    public bool HasExited => _exited.Task.IsCompleted;

    /// <summary>The ClusterBroker.Host.dll built next to this test project (same configuration).</summary>
    public static string HostDll
    {
        get
        {
            // tests/ClusterBroker.ClusterTests/bin/<Configuration>/<framework> -> src/ClusterBroker.Host/bin/<Configuration>/<framework>
            var testBin = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
            string framework = testBin.Name;
            string configuration = testBin.Parent!.Name;
            DirectoryInfo repository = testBin.Parent!.Parent!.Parent!.Parent!.Parent!;
            string dll = Path.Combine(repository.FullName, "src", "ClusterBroker.Host", "bin", configuration, framework, "ClusterBroker.Host.dll");
            if (!File.Exists(dll))
            {
                throw new FileNotFoundException($"Build src/ClusterBroker.Host first: {dll} is missing.", dll);
            }
            return dll;
        }
    }

    /// <summary>
    /// Starts the process; it is a cluster member once <see cref="WaitUntilListeningAsync"/> returns. With a
    /// <paramref name="launcher"/> (a program and its first arguments, e.g. a shell that moves itself into a cgroup
    /// and then execs), the node runs as "launcher... dotnet Host.dll arguments...": the launcher must exec, so that
    /// the process is still the node's.
    /// </summary>
    public static ClusterNode Start(int number, int run, int mqttPort, int clusterPort, IReadOnlyList<string> arguments, IReadOnlyList<string>? launcher = null)
    {
        var info = new ProcessStartInfo(launcher is { Count: > 0 } ? launcher[0] : "dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = false,
            UseShellExecute = false,
        };
        if (launcher is { Count: > 0 })
        {
            foreach (string argument in launcher.Skip(1))
            {
                info.ArgumentList.Add(argument);
            }
            info.ArgumentList.Add("dotnet");
        }
        info.ArgumentList.Add(HostDll);
        foreach (string argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }
        info.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        info.Environment["DOTNET_NOLOGO"] = "1";
        var process = new Process { StartInfo = info, EnableRaisingEvents = true };
        var node = new ClusterNode(number, run, mqttPort, clusterPort, arguments, process);
        process.OutputDataReceived += (_, e) => node.OnLine(e.Data);
        process.ErrorDataReceived += (_, e) => node.OnLine(e.Data);
        process.Exited += (_, _) => node.OnExited();
        process.Start();
        Running[node] = true;
        // For diagnosing a failure that is hard to reproduce: with CLUSTERBROKER_TEST_DUMP_DIR set, each node's whole
        // output is also written to node<N>-run<R>-<pid>.log there.
        if (Environment.GetEnvironmentVariable("CLUSTERBROKER_TEST_DUMP_DIR") is { Length: > 0 } dumpDir)
        {
            node._dump = new StreamWriter(Path.Combine(dumpDir, $"node{number}-run{run}-{process.Id}.log")) { AutoFlush = true };
        }
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return node;
    }

    /// <summary>Waits for "ClusterBroker ... listening on mqtt://127.0.0.1:P", logged once the node is a member and ready.</summary>
    public Task<string> WaitUntilListeningAsync(TimeSpan? timeout = null) =>
        WaitForLogAsync(line => line.Contains($" listening on mqtt://127.0.0.1:{MqttPort}", StringComparison.Ordinal), "its listening line", timeout ?? Timeouts.NodeStart);

    /// <summary>The member count of the node's latest "Cluster: ...; N member(s) up" line, or null before the first.</summary>
    public int? LatestMemberCount => LatestMemberCountIn(Log.Snapshot());

    /// <summary>Waits until the latest membership line of this node says "<paramref name="count"/> member(s) up".</summary>
    public Task WaitForMembersUpAsync(int count, TimeSpan? timeout = null) =>
        WaitForLogAsync(lines => LatestMemberCountIn(lines) == count, $"'{count} member(s) up' as its latest membership line", timeout ?? Timeouts.Membership);

    /// <summary>Waits for "Cluster: &lt;address of other&gt; &lt;event&gt;; N member(s) up", e.g. event "left" or "was removed".</summary>
    public Task<string> WaitForMembershipEventAsync(ClusterNode other, string membershipEvent, TimeSpan? timeout = null) =>
        WaitForLogAsync(line => IsMembershipEvent(line, other, membershipEvent), $"'Cluster: {other.Address} {membershipEvent}'", timeout ?? Timeouts.Membership);

    public bool HasLoggedMembershipEvent(ClusterNode other, string membershipEvent) =>
        Log.Snapshot().Any(line => IsMembershipEvent(line, other, membershipEvent));

    public async Task<string> WaitForLogAsync(Func<string, bool> predicate, string description, TimeSpan? timeout = null)
    {
        IReadOnlyList<string> lines = await WaitForLogAsync(list => list.Any(predicate), description, timeout);
        return lines.First(predicate);
    }

    /// <summary>Waits until the log satisfies the condition; fails at once if the process exits first.</summary>
    public async Task<IReadOnlyList<string>> WaitForLogAsync(Func<IReadOnlyList<string>, bool> condition, string description, TimeSpan? timeout = null)
    {
        TimeSpan limit = timeout ?? Timeouts.Default;
        Task<bool> found = Log.TryWaitUntilAsync(condition, limit);
        Task winner = await Task.WhenAny(found, Exited);
        if (winner == found && await found)
        {
            return Log.Snapshot();
        }
        if (condition(Log.Snapshot()))
        {
            return Log.Snapshot();
        }
        string why = HasExited ? $"the process exited with code {Exited.Result} first" : $"not within {limit.TotalSeconds:0.#} s";
        throw new Xunit.Sdk.XunitException($"{Name} did not log {description}: {why}.");
    }

    /// <summary>SIGTERM: the node leaves the cluster gracefully and exits.</summary>
    public void Terminate() => Signal(SigTerm);

    /// <summary>SIGKILL: the node crashes; the others must down it.</summary>
    public void Crash() => Signal(SigKill);

    /// <summary>Waits for the process to exit (after <see cref="Terminate"/>) and returns its exit code.</summary>
    public async Task<int> WaitForExitAsync(TimeSpan? timeout = null)
    {
        TimeSpan limit = timeout ?? Timeouts.NodeStop;
        try
        {
            return await Exited.WaitAsync(limit);
        }
        catch (TimeoutException)
        {
            throw new Xunit.Sdk.XunitException($"{Name} did not exit within {limit.TotalSeconds:0.#} s.");
        }
    }

    /// <summary>The last lines of the log, headed by the node's name, ports and state.</summary>
    public string Describe(int tailLines)
    {
        IReadOnlyList<string> lines = Log.Snapshot();
        string state = HasExited ? $"exited with code {Exited.Result}" : "running";
        string skipped = lines.Count > tailLines ? $" (last {tailLines} of {lines.Count} lines)" : "";
        return $"=== {Name}: mqtt {MqttPort}, cluster {ClusterPort}, pid {ProcessId}, {state}{skipped} ===" + Environment.NewLine +
            string.Join(Environment.NewLine, lines.TakeLast(tailLines));
    }

    /// <summary>
    /// The lines logged after the first <paramref name="linesBefore"/> (the last <paramref name="tailLines"/> of them);
    /// when there are none, the last few before, so the reader sees the node's state.
    /// </summary>
    public string DescribeSince(int linesBefore, int tailLines)
    {
        IReadOnlyList<string> lines = Log.Snapshot();
        string state = HasExited ? $"exited with code {Exited.Result}" : "running";
        IEnumerable<string> during = lines.Skip(linesBefore);
        int count = lines.Count - linesBefore;
        string header = $"=== {Name}: mqtt {MqttPort}, cluster {ClusterPort}, pid {ProcessId}, {state}; ";
        if (count <= 0)
        {
            return header + $"no lines during the test, the last before it: ===" + Environment.NewLine + string.Join(Environment.NewLine, lines.TakeLast(5));
        }
        string skipped = count > tailLines ? $"the last {tailLines} of " : "";
        return header + $"{skipped}{count} line(s) during the test ===" + Environment.NewLine + string.Join(Environment.NewLine, during.TakeLast(tailLines));
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (!HasExited)
            {
                _process.Kill(entireProcessTree: true);
            }
            await Exited.WaitAsync(Timeouts.Short);
        }
        catch (Exception e) when (e is InvalidOperationException or TimeoutException or System.ComponentModel.Win32Exception)
        {
            // already gone, or not reaped in time: nothing more a test can do
        }
        _process.Dispose();
        if (_dump is { } dump)
        {
            lock (dump)
            {
                dump.Dispose();
                _dump = null;
            }
        }
    }

    internal static int? LatestMemberCountIn(IReadOnlyList<string> lines)
    {
        for (int i = lines.Count - 1; i >= 0; i--)
        {
            Match match = MembersUp().Match(lines[i]);
            if (match.Success)
            {
                return int.Parse(match.Groups[1].ValueSpan, CultureInfo.InvariantCulture);
            }
        }
        return null;
    }

    private static void KillRunning()
    {
        foreach (ClusterNode node in Running.Keys)
        {
            try
            {
                node._process.Kill(entireProcessTree: true);
            }
            catch (Exception e) when (e is InvalidOperationException or System.ComponentModel.Win32Exception)
            {
            }
        }
    }

    private static bool IsMembershipEvent(string line, ClusterNode other, string membershipEvent) =>
        line.Contains($"Cluster: {other.Address} {membershipEvent}", StringComparison.Ordinal);

    private void Signal(int signal)
    {
        if (HasExited)
        {
            throw new InvalidOperationException($"{Name} has already exited.");
        }
        if (kill(_process.Id, signal) != 0)
        {
            throw new InvalidOperationException($"kill({_process.Id}, {signal}) failed: errno {Marshal.GetLastPInvokeError()}");
        }
    }

    private void OnLine(string? line)
    {
        if (line is not null)
        {
            Log.Add(line);
            if (_dump is { } dump)
            {
                lock (dump)
                {
                    _dump?.WriteLine(line);
                }
            }
        }
    }

    private void OnExited()
    {
        int code;
        try
        {
            // the redirected streams may still hold the last lines; WaitForExit() drains them
            _process.WaitForExit();
            code = _process.ExitCode;
        }
        catch (InvalidOperationException)
        {
            code = -1;
        }
        Running.TryRemove(this, out _);
        Log.Add($"[test harness] {Name} exited with code {code}");
        _exited.TrySetResult(code);
    }

    [GeneratedRegex(@"Cluster: \S+ .*?; (\d+) member\(s\) up")]
    private static partial Regex MembersUp();

    [DllImport("libc", SetLastError = true)]
    private static extern int kill(int pid, int signal);
}
