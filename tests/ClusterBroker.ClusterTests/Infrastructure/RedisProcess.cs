using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace ClusterBroker.ClusterTests.Infrastructure;

/// <summary>
/// A redis-server (the Debian package) on a free loopback port for one test: killed on dispose, whatever the
/// test's outcome. Give its <see cref="Configuration"/> to the nodes with --redis. Without persistence by
/// default; with <c>appendOnly</c> it keeps an append-only file (fsync always) in its own temporary directory,
/// so <see cref="RestartAsync"/> after a kill -9 comes back with every acknowledged write.
/// </summary>
public sealed class RedisProcess : IAsyncDisposable
{
    private readonly bool _appendOnly;
    private readonly string _directory;
    private Process _process;

    private RedisProcess(Process process, int port, bool appendOnly, string directory)
    {
        _process = process;
        Port = port;
        _appendOnly = appendOnly;
        _directory = directory;
    }

    public int Port { get; }

    public string Configuration => $"127.0.0.1:{Port.ToString(CultureInfo.InvariantCulture)}";

    public static async Task<RedisProcess> StartAsync(bool appendOnly = false)
    {
        int port = FreePorts.Next();
        string directory = Directory.CreateTempSubdirectory("clusterbroker-redis-").FullName;
        var redis = new RedisProcess(Launch(port, appendOnly, directory), port, appendOnly, directory);
        await redis.AwaitPingAsync();
        return redis;
    }

    /// <summary>kill -9, then a new redis-server on the same port: with its data (the append-only file) or empty.</summary>
    public async Task RestartAsync(bool keepData)
    {
        await StopAsync();
        if (!keepData)
        {
            foreach (string file in Directory.EnumerateFileSystemEntries(_directory))
            {
                if (Directory.Exists(file))
                {
                    Directory.Delete(file, recursive: true);
                }
                else
                {
                    File.Delete(file);
                }
            }
        }

        await StartAgainAsync();
    }

    /// <summary>kill -9 (the server is gone until <see cref="StartAgainAsync"/>).</summary>
    public async Task StopAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
        }

        await _process.WaitForExitAsync().WaitAsync(Timeouts.Short);
        _process.Dispose();
    }

    /// <summary>Starts the server again on the same port and directory after <see cref="StopAsync"/>.</summary>
    public async Task StartAgainAsync()
    {
        _process = Launch(Port, _appendOnly, _directory);
        await AwaitPingAsync();
    }

    /// <summary>A command to this server over its text protocol, e.g. "DBSIZE"; the raw reply.</summary>
    public async Task<string> CommandAsync(string command)
    {
        using var client = new TcpClient();
        using var cts = new CancellationTokenSource(Timeouts.Short);
        await client.ConnectAsync(IPAddress.Loopback, Port, cts.Token);
        NetworkStream stream = client.GetStream();
        await stream.WriteAsync(Encoding.ASCII.GetBytes(command + "\r\n"), cts.Token);
        byte[] buffer = new byte[64 * 1024];
        int read = await stream.ReadAsync(buffer, cts.Token);
        return Encoding.ASCII.GetString(buffer, 0, read);
    }

    private static Process Launch(int port, bool appendOnly, string directory)
    {
        var start = new ProcessStartInfo("redis-server") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        string[] arguments = ["--port", port.ToString(CultureInfo.InvariantCulture), "--bind", "127.0.0.1", "--dir", directory, "--save", "",
            "--appendonly", appendOnly ? "yes" : "no", "--appendfsync", "always"];
        foreach (string argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        Process process = Process.Start(start) ?? throw new InvalidOperationException("redis-server did not start");
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    private async Task AwaitPingAsync()
    {
        DateTime deadline = DateTime.UtcNow + Timeouts.Default;
        while (!await AnswersPingAsync(Port))
        {
            if (_process.HasExited || DateTime.UtcNow > deadline)
            {
                await DisposeAsync();
                throw new InvalidOperationException($"redis-server on port {Port} did not answer PING");
            }

            await Task.Delay(20);
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

            // SIGKILL ends it at once; waiting also drains its output, which a heavily loaded machine can take seconds for.
            await _process.WaitForExitAsync().WaitAsync(Timeouts.NodeStop);
        }
        catch (InvalidOperationException)
        {
        }
        finally
        {
            _process.Dispose();
            try
            {
                Directory.Delete(_directory, recursive: true);
            }
            catch (IOException)
            {
            }
        }
    }

    private static async Task<bool> AnswersPingAsync(int port)
    {
        try
        {
            using var client = new TcpClient();
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(1));
            await client.ConnectAsync(IPAddress.Loopback, port, cts.Token);
            NetworkStream stream = client.GetStream();
            await stream.WriteAsync("PING\r\n"u8.ToArray(), cts.Token);
            byte[] buffer = new byte[16];
            int read = await stream.ReadAsync(buffer, cts.Token);
            return Encoding.ASCII.GetString(buffer, 0, read).StartsWith("+PONG", StringComparison.Ordinal);
        }
        catch (Exception ex) when (ex is SocketException or IOException or OperationCanceledException)
        {
            return false;
        }
    }
}
