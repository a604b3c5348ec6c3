using System.Diagnostics;
using ClusterBroker.LoadTests.Configuration;

namespace ClusterBroker.LoadTests.Brokers;

/// <summary>A started broker process. Disposing kills its whole process tree and removes its temp directory.</summary>
public sealed class RunningBroker : IAsyncDisposable
{
    private static readonly TimeSpan ExitTimeout = TimeSpan.FromSeconds(10);

    private readonly Process _process;
    private readonly string? _tempDirectory;
    private readonly Queue<string> _output = new();

    public RunningBroker(BrokerSpec spec, Process process, int port, string? tempDirectory)
    {
        Spec = spec;
        _process = process;
        Port = port;
        _tempDirectory = tempDirectory;
        _process.OutputDataReceived += (_, e) => Keep(e.Data);
        _process.ErrorDataReceived += (_, e) => Keep(e.Data);
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    public BrokerSpec Spec { get; }
    public int Port { get; }
    public BrokerEndpoint Endpoint => new("127.0.0.1", Port);

    /// <summary>The broker's own pid (mosquitto is exec'd by bash, so the pid is mosquitto's).</summary>
    public int Pid => _process.Id;

    public bool IsRunning => !_process.HasExited;

    /// <summary>The last lines the broker wrote, for diagnosing a failed start.</summary>
    public string RecentOutput()
    {
        lock (_output)
        {
            return string.Join('\n', _output);
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

            using var timeout = new CancellationTokenSource(ExitTimeout);
            await _process.WaitForExitAsync(timeout.Token);
        }
        catch (Exception e) when (e is InvalidOperationException or OperationCanceledException)
        {
            // gone already, or refused to die in time: nothing more we can do
        }
        finally
        {
            _process.Dispose();
            if (_tempDirectory is not null && Directory.Exists(_tempDirectory))
            {
                Directory.Delete(_tempDirectory, recursive: true);
            }
        }
    }

    private void Keep(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_output)
        {
            _output.Enqueue(line);
            while (_output.Count > 50)
            {
                _output.Dequeue();
            }
        }
    }
}
