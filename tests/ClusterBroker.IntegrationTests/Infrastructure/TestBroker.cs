using ClusterBroker.Core;
using ClusterBroker.Host;
using ClusterBroker.Host.Security;
using ClusterBroker.Transport;

namespace ClusterBroker.IntegrationTests.Infrastructure;

/// <summary>
/// A real broker started in-process on a free loopback port (port 0) with the given options.
/// Dispose it (await using) so that it stops even when the test fails.
/// </summary>
public sealed class TestBroker : IAsyncDisposable
{
    private readonly BrokerHost _host;

    private TestBroker(BrokerHost host, LogCapture logs)
    {
        _host = host;
        Logs = logs;
    }

    /// <summary>What the broker logged at Information and above.</summary>
    public LogCapture Logs { get; }

    public int Port => _host.Port;

    public BrokerHost Host => _host;

    /// <param name="security">Password file, ACL, anonymous access; default: open, as the broker starts without options.</param>
    public static async Task<TestBroker> StartAsync(BrokerOptions? options = null, Action<TransportOptions>? configureTransport = null, SecurityOptions? security = null)
    {
        options ??= new BrokerOptions();
        // the frame limit of the transport follows the broker's Maximum Packet Size
        var transport = new TransportOptions { BindAddress = "127.0.0.1", Port = 0, MaximumPacketSize = (int)Math.Min(options.MaximumPacketSize, int.MaxValue) };
        configureTransport?.Invoke(transport);
        var settings = new BrokerHostSettings { Transport = transport, Broker = options, Security = security ?? new SecurityOptions() };
        using var cts = new CancellationTokenSource(TestTimeouts.BrokerStart);
        var logs = new LogCapture();
        var host = await BrokerHost.StartAsync(settings, logs, cts.Token).WaitAsync(TestTimeouts.BrokerStart);
        return new TestBroker(host, logs);
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await _host.StopAsync().WaitAsync(TestTimeouts.BrokerStop);
        }
        catch (TimeoutException)
        {
            // a broker that cannot stop must not hang the test run; the test already has its verdict
        }
        await _host.DisposeAsync().AsTask().WaitAsync(TestTimeouts.BrokerStop).ContinueWith(static _ => { }, TaskScheduler.Default);
    }
}
