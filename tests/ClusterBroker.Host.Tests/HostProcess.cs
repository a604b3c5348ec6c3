using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Text;

namespace ClusterBroker.Host.Tests;

/// <summary>The built ClusterBroker.Host executable run as a child process; killed on dispose whatever happened.</summary>
internal sealed class HostProcess : IDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();
    private readonly TaskCompletionSource<string> _listening = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private HostProcess(Process process)
    {
        _process = process;
    }

    public int Pid => _process.Id;

    public string Output
    {
        get { lock (_output) return _output.ToString(); }
    }

    /// <summary>The ClusterBroker.Host.dll built next to this test (same configuration), with its runtimeconfig.</summary>
    public static string HostDll
    {
        get
        {
            // tests/ClusterBroker.Host.Tests/bin/<Configuration>/net10.0 -> src/ClusterBroker.Host/bin/<Configuration>/net10.0
            var testBin = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
            string framework = testBin.Name;
            string configuration = testBin.Parent!.Name;
            DirectoryInfo repo = testBin.Parent!.Parent!.Parent!.Parent!.Parent!;
            string dll = Path.Combine(repo.FullName, "src", "ClusterBroker.Host", "bin", configuration, framework, "ClusterBroker.Host.dll");
            if (!File.Exists(dll))
                throw new FileNotFoundException($"Build src/ClusterBroker.Host first: {dll} is missing.", dll);
            return dll;
        }
    }

    public static HostProcess Start(params string[] arguments)
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
        // The HTTP endpoints on a free loopback port unless the test chose one (the default 8080 would collide);
        // not for a subcommand (passwd), which takes no broker options.
        bool subcommand = arguments.Length > 0 && !arguments[0].StartsWith('-');
        if (!subcommand && !arguments.Contains("--http-port"))
        {
            info.ArgumentList.Add("--http-port");
            info.ArgumentList.Add("0");
            info.ArgumentList.Add("--http-bind");
            info.ArgumentList.Add("127.0.0.1");
        }
        info.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        var process = new Process { StartInfo = info, EnableRaisingEvents = true };
        var host = new HostProcess(process);
        process.OutputDataReceived += (_, e) => host.OnLine(e.Data);
        process.ErrorDataReceived += (_, e) => host.OnLine(e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return host;
    }

    public async Task<string> WaitForListeningAsync(TimeSpan timeout)
    {
        Task winner = await Task.WhenAny(_listening.Task, _process.WaitForExitAsync(), Task.Delay(timeout));
        if (winner != _listening.Task)
            Assert.Fail($"The host did not log its listening line within {timeout} (exited: {_process.HasExited}). Output:\n{Output}");
        return await _listening.Task;
    }

    public void Signal(int signal)
    {
        if (kill(_process.Id, signal) != 0)
            throw new InvalidOperationException($"kill({_process.Id}, {signal}) failed: errno {Marshal.GetLastPInvokeError()}");
    }

    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            Assert.Fail($"The host did not exit within {timeout}. Output:\n{Output}");
        }
        return _process.ExitCode;
    }

    public void Dispose()
    {
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

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private void OnLine(string? line)
    {
        if (line is null)
            return;
        lock (_output)
            _output.AppendLine(line);
        if (line.Contains(" listening on ", StringComparison.Ordinal))
            _listening.TrySetResult(line);
    }

    [DllImport("libc", SetLastError = true)]
    private static extern int kill(int pid, int signal);
}
