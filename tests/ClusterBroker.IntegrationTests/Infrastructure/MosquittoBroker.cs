using System.Net;
using System.Net.Sockets;

namespace ClusterBroker.IntegrationTests.Infrastructure;

/// <summary>
/// A Mosquitto broker (Debian's /usr/sbin/mosquitto) on a free loopback port with its own configuration file in a
/// temporary directory, logging to stdout (collected in <see cref="Log"/>), no persistence. Mosquitto drops to user
/// mosquitto when started as root unless told otherwise: the configuration says `user root` so that it can read its
/// own directory. Disposing kills it, waits for it and deletes the directory.
/// </summary>
public sealed class MosquittoBroker : IAsyncDisposable
{
    public const string Executable = "/usr/sbin/mosquitto";

    private readonly ExternalProcess _process;
    private readonly string _directory;

    private MosquittoBroker(ExternalProcess process, string directory, int port)
    {
        _process = process;
        _directory = directory;
        Port = port;
    }

    public int Port { get; }

    /// <summary>Mosquitto's log lines (stdout).</summary>
    public MessageCollector<string> Log => _process.Output;

    /// <summary>Starts mosquitto with a listener on a free port plus <paramref name="extraConfiguration"/> (e.g. a bridge).</summary>
    public static async Task<MosquittoBroker> StartAsync(string extraConfiguration = "")
    {
        int port = FreePort();
        string directory = Directory.CreateTempSubdirectory("clusterbroker-mosquitto-").FullName;
        string configuration = Path.Combine(directory, "mosquitto.conf");
        await File.WriteAllTextAsync(configuration, $"""
            user root
            per_listener_settings false
            allow_anonymous true
            persistence false
            log_dest stdout
            log_type error
            log_type warning
            log_type notice
            log_type information
            log_timestamp false
            listener {port} 127.0.0.1
            {extraConfiguration}

            """);
        var process = ExternalProcess.Start(Executable, "-c", configuration);
        var broker = new MosquittoBroker(process, directory, port);
        try
        {
            var deadline = DateTime.UtcNow + TestTimeouts.Default;
            while (true)
            {
                try
                {
                    using var probe = new TcpClient();
                    await probe.ConnectAsync(IPAddress.Loopback, port);
                    return broker;
                }
                catch (SocketException) when (DateTime.UtcNow < deadline)
                {
                    // not listening yet: wait for it, bounded by the deadline
                    await Task.Delay(50);
                }
            }
        }
        catch (Exception e)
        {
            await broker.DisposeAsync();
            throw new Xunit.Sdk.XunitException($"mosquitto did not start on port {port}: {e.Message}; {process.Describe()}");
        }
    }

    public static int FreePort()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        int port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }

    public string Describe() => _process.Describe();

    public async ValueTask DisposeAsync()
    {
        await _process.DisposeAsync();
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
