using System.Diagnostics;
using System.Globalization;

namespace ClusterBroker.LoadTests.Brokers;

/// <summary>
/// Starts a broker on a free loopback port and waits until it answers CONNECT (never a fixed sleep).
/// Mosquitto runs with its own config in a temp directory and a raised file limit; .NET brokers run
/// as `dotnet &lt;dll&gt; --port N` (ClusterBroker also gets --bind 127.0.0.1).
/// </summary>
public static class BrokerLauncher
{
    public static readonly TimeSpan ReadyTimeout = TimeSpan.FromSeconds(45);

    public static async Task<RunningBroker> StartAsync(BrokerSpec spec, CancellationToken cancellationToken, int? port = null)
    {
        if (spec.Unavailable() is { } reason)
        {
            throw new BrokerStartException($"{spec.Label}: {reason}");
        }

        var chosenPort = port ?? FreePort.Next();
        string? tempDirectory = null;
        ProcessStartInfo start;
        if (spec.Kind == BrokerKind.Mosquitto)
        {
            tempDirectory = Directory.CreateTempSubdirectory("cblt-mosquitto-").FullName;
            var config = Path.Combine(tempDirectory, "mosquitto.conf");
            await File.WriteAllTextAsync(config, MosquittoConfig.Render(chosenPort, spec.ExtraConfigLines), cancellationToken);
            start = new ProcessStartInfo("bash");
            start.ArgumentList.Add("-c");
            start.ArgumentList.Add($"ulimit -n 20000 2>/dev/null || ulimit -n \"$(ulimit -Hn)\"; exec \"{Executable.Find("mosquitto")}\" -c \"{config}\"");
        }
        else
        {
            start = new ProcessStartInfo("dotnet");
            start.ArgumentList.Add(spec.DllPath!);
            start.ArgumentList.Add("--port");
            start.ArgumentList.Add(chosenPort.ToString(CultureInfo.InvariantCulture));
            if (spec.Kind == BrokerKind.ClusterBroker)
            {
                start.ArgumentList.Add("--bind");
                start.ArgumentList.Add("127.0.0.1");
                // Its HTTP endpoints on any free loopback port, not 8080, so runs side by side never collide.
                start.ArgumentList.Add("--http-port");
                start.ArgumentList.Add("0");
                start.ArgumentList.Add("--http-bind");
                start.ArgumentList.Add("127.0.0.1");
                start.ArgumentList.Add("--drain-period");
                start.ArgumentList.Add("00:00:00");
            }

            foreach (var argument in spec.ExtraArguments)
            {
                start.ArgumentList.Add(argument);
            }
        }

        start.RedirectStandardOutput = true;
        start.RedirectStandardError = true;
        start.UseShellExecute = false;
        var process = Process.Start(start) ?? throw new BrokerStartException($"{spec.Label}: could not start {start.FileName}");
        var broker = new RunningBroker(spec, process, chosenPort, tempDirectory);
        try
        {
            if (!await ReadinessProbe.WaitAsync(broker.Endpoint.ToIPEndPoint(), ReadyTimeout, () => broker.IsRunning, cancellationToken))
            {
                throw new BrokerStartException($"{spec.Label} did not accept an MQTT connection on port {chosenPort} within {ReadyTimeout.TotalSeconds} s: {broker.RecentOutput()}");
            }

            return broker;
        }
        catch
        {
            await broker.DisposeAsync();
            throw;
        }
    }
}
