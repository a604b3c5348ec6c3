using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace ClusterBroker.Storage.Redis.Tests.Infrastructure;

/// <summary>
/// A real redis-server (the Debian package) on a free loopback port, without persistence unless asked for
/// (--save '' --appendonly no): a restart starts empty. Dispose it (await using) so it stops even when a test fails.
/// </summary>
public sealed class RedisServer : IAsyncDisposable
{
    private readonly string? _dataDirectory;
    private Process? _process;

    private RedisServer(int port, string? dataDirectory)
    {
        Port = port;
        _dataDirectory = dataDirectory;
    }

    public int Port { get; }

    /// <summary>The StackExchange.Redis configuration string of this server.</summary>
    public string Configuration => $"127.0.0.1:{Port}";

    public bool IsRunning => _process is { HasExited: false };

    /// <summary>Starts a server on a free port; with <paramref name="persistent"/>, an append-only file in a temporary directory keeps its data across restarts.</summary>
    public static async Task<RedisServer> StartAsync(bool persistent = false)
    {
        string? directory = persistent ? Directory.CreateTempSubdirectory("redis-test-").FullName : null;
        var server = new RedisServer(FreePort(), directory);
        await server.StartAgainAsync();
        return server;
    }

    /// <summary>Starts a server on the given port (one a test found free and handed to a node before Redis was up).</summary>
    public static async Task<RedisServer> StartOnAsync(int port)
    {
        var server = new RedisServer(port, null);
        await server.StartAgainAsync();
        return server;
    }

    /// <summary>A port nobody listens on (for "Redis is down" tests), reserved by no server.</summary>
    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>Starts redis-server on <see cref="Port"/> (again) and waits until it answers PING.</summary>
    public async Task StartAgainAsync()
    {
        if (IsRunning)
        {
            throw new InvalidOperationException("redis-server is already running");
        }

        var start = new ProcessStartInfo("redis-server")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string argument in Arguments())
        {
            start.ArgumentList.Add(argument);
        }

        _process = Process.Start(start) ?? throw new InvalidOperationException("redis-server did not start");
        _process.OutputDataReceived += (_, _) => { };
        _process.ErrorDataReceived += (_, _) => { };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        DateTime deadline = DateTime.UtcNow + TestTimeouts.Default;
        while (!await AnswersPingAsync(Port))
        {
            if (_process.HasExited || DateTime.UtcNow > deadline)
            {
                throw new InvalidOperationException($"redis-server on port {Port} did not answer PING (exited: {_process.HasExited})");
            }

            await Task.Delay(20);
        }
    }

    /// <summary>Kills the server (as a crash would) and waits until it is gone.</summary>
    public async Task StopAsync()
    {
        if (_process is not { } process)
        {
            return;
        }

        _process = null;
        try
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }

            await process.WaitForExitAsync().WaitAsync(TestTimeouts.Default);
        }
        catch (InvalidOperationException)
        {
            // already gone
        }
        finally
        {
            process.Dispose();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        if (_dataDirectory is not null)
        {
            try
            {
                Directory.Delete(_dataDirectory, recursive: true);
            }
            catch (IOException)
            {
            }
        }
    }

    private IEnumerable<string> Arguments()
    {
        yield return "--port";
        yield return Port.ToString(System.Globalization.CultureInfo.InvariantCulture);
        yield return "--bind";
        yield return "127.0.0.1";
        yield return "--save";
        yield return "";
        if (_dataDirectory is null)
        {
            yield return "--appendonly";
            yield return "no";
        }
        else
        {
            yield return "--appendonly";
            yield return "yes";
            yield return "--appendfsync";
            yield return "always";
            yield return "--dir";
            yield return _dataDirectory;
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
