using System.Diagnostics;

namespace ClusterBroker.IntegrationTests.Infrastructure;

/// <summary>
/// An external client process (mosquitto_pub/mosquitto_sub, /usr/bin/python3 with paho) whose
/// output lines are collected; disposing kills it (with its children) and waits, bounded.
/// </summary>
public sealed class ExternalProcess : IAsyncDisposable
{
    private readonly Process _process;

    private ExternalProcess(Process process) => _process = process;

    public MessageCollector<string> Output { get; } = new();

    public MessageCollector<string> Errors { get; } = new();

    public static ExternalProcess Start(string fileName, params string[] arguments)
    {
        var info = new ProcessStartInfo(fileName)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = false,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }
        var process = new Process { StartInfo = info, EnableRaisingEvents = true };
        var external = new ExternalProcess(process);
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                external.Output.Add(e.Data);
            }
        };
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                external.Errors.Add(e.Data);
            }
        };
        if (!process.Start())
        {
            throw new InvalidOperationException($"could not start {fileName}");
        }
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return external;
    }

    public Task<string> WaitForLineAsync(Func<string, bool> predicate, string description, TimeSpan? timeout = null) =>
        WaitWithDiagnosticsAsync(Output.WaitForAsync(predicate, description, timeout ?? TestTimeouts.Process));

    /// <summary>Waits for the process to exit by itself and returns its exit code.</summary>
    public async Task<int> WaitForExitAsync(TimeSpan? timeout = null)
    {
        using var cts = new CancellationTokenSource(timeout ?? TestTimeouts.Process);
        try
        {
            await _process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            throw new Xunit.Sdk.XunitException($"{_process.StartInfo.FileName} did not exit in time; stdout: {string.Join(" / ", Output.Snapshot())}; stderr: {string.Join(" / ", Errors.Snapshot())}");
        }
        return _process.ExitCode;
    }

    public string Describe() => $"stdout: {string.Join(" / ", Output.Snapshot())}; stderr: {string.Join(" / ", Errors.Snapshot())}";

    private async Task<T> WaitWithDiagnosticsAsync<T>(Task<T> task)
    {
        try
        {
            return await task;
        }
        catch (Xunit.Sdk.XunitException e)
        {
            throw new Xunit.Sdk.XunitException($"{e.Message}; {_process.StartInfo.FileName} {Describe()}");
        }
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
            }
            using var cts = new CancellationTokenSource(TestTimeouts.Short);
            await _process.WaitForExitAsync(cts.Token);
        }
        catch (Exception e) when (e is InvalidOperationException or OperationCanceledException or System.ComponentModel.Win32Exception)
        {
        }
        _process.Dispose();
    }
}
