using System.Diagnostics;

namespace ClusterBroker.ClusterTests.Infrastructure;

/// <summary>
/// An MQTT client of another implementation run as a process (mosquitto_sub/mosquitto_pub,
/// /usr/bin/python3 with paho): its output lines are collected; disposing kills it and waits, bounded.
/// </summary>
public sealed class ExternalClient : IAsyncDisposable
{
    private readonly Process _process;
    private readonly string _description;
    private readonly TaskCompletionSource<int> _exited = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private ExternalClient(Process process, string description)
    {
        _process = process;
        _description = description;
    }

    /// <summary>Standard output, line by line.</summary>
    public Collector<string> Output { get; } = new();

    public Collector<string> Errors { get; } = new();

    public static ExternalClient Start(string description, string fileName, params string[] arguments)
    {
        var info = new ProcessStartInfo(fileName)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }
        var process = new Process { StartInfo = info, EnableRaisingEvents = true };
        var client = new ExternalClient(process, description);
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                client.Output.Add(e.Data);
            }
        };
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                client.Errors.Add(e.Data);
            }
        };
        process.Exited += (_, _) =>
        {
            try
            {
                process.WaitForExit();
                client._exited.TrySetResult(process.ExitCode);
            }
            catch (InvalidOperationException)
            {
                client._exited.TrySetResult(-1);
            }
        };
        try
        {
            process.Start();
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new Xunit.Sdk.XunitException($"Could not start {fileName} ({e.Message}); install mosquitto-clients and python3-paho-mqtt (tests/run-tests.sh does).");
        }
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return client;
    }

    /// <summary>Waits for an output line; fails with everything the process printed, or at once if it exits first.</summary>
    public async Task<string> WaitForLineAsync(Func<string, bool> predicate, string description, TimeSpan? timeout = null)
    {
        TimeSpan limit = timeout ?? Timeouts.Default;
        Task<bool> found = Output.TryWaitUntilAsync(lines => lines.Any(predicate), limit);
        await Task.WhenAny(found, _exited.Task);
        if (Output.Snapshot().FirstOrDefault(predicate) is { } line)
        {
            return line;
        }
        if (!_exited.Task.IsCompleted)
        {
            await found;
            if (Output.Snapshot().FirstOrDefault(predicate) is { } late)
            {
                return late;
            }
        }
        string why = _exited.Task.IsCompleted ? $"it exited with code {_exited.Task.Result}" : $"not within {limit.TotalSeconds:0} s";
        throw new Xunit.Sdk.XunitException($"{this} did not print {description}: {why}. {Describe()}");
    }

    /// <summary>Waits for the process to end by itself and returns its exit code.</summary>
    public async Task<int> WaitForExitAsync(TimeSpan? timeout = null)
    {
        TimeSpan limit = timeout ?? Timeouts.Default;
        try
        {
            return await _exited.Task.WaitAsync(limit);
        }
        catch (TimeoutException)
        {
            throw new Xunit.Sdk.XunitException($"{this} did not exit within {limit.TotalSeconds:0} s. {Describe()}");
        }
    }

    public string Describe() =>
        $"stdout: {string.Join(" / ", Output.Snapshot().TakeLast(30))}; stderr: {string.Join(" / ", Errors.Snapshot().TakeLast(30))}";

    public override string ToString() => _description;

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (!_exited.Task.IsCompleted)
            {
                _process.Kill(entireProcessTree: true);
            }
            await _exited.Task.WaitAsync(Timeouts.Short);
        }
        catch (Exception e) when (e is InvalidOperationException or TimeoutException or System.ComponentModel.Win32Exception)
        {
        }
        _process.Dispose();
    }
}
