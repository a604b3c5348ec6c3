using MQTTnet.Server;

namespace ClusterBroker.PeerBroker;

/// <summary>
/// An MQTTnet server with its defaults, as a comparison peer for the load tests: listens on one
/// address and port, logs one line when listening, stops on SIGTERM/Ctrl+C.
/// </summary>
public static class PeerBrokerHost
{
    public static async Task<int> RunAsync(string[] args)
    {
        PeerBrokerOptions options;
        try
        {
            options = PeerBrokerOptions.Parse(args);
        }
        catch (Exception e) when (e is ArgumentException or FormatException)
        {
            await Console.Error.WriteLineAsync(e.Message);
            return 2;
        }

        var serverOptions = new MqttServerOptionsBuilder()
            .WithDefaultEndpoint()
            .WithDefaultEndpointBoundIPAddress(options.Bind)
            .WithDefaultEndpointPort(options.Port)
            .WithMaxPendingMessagesPerClient(options.MaxPendingMessagesPerClient)
            .Build();
        using var server = new MqttServerFactory().CreateMqttServer(serverOptions);
        using var stop = new CancellationTokenSource();
        Console.CancelKeyPress += (_, e) =>
        {
            e.Cancel = true;
            stop.Cancel();
        };
        AppDomain.CurrentDomain.ProcessExit += (_, _) => stop.Cancel();

        await server.StartAsync();
        Console.WriteLine($"MQTTnet server listening on {options.Bind}:{options.Port}");
        try
        {
            await Task.Delay(Timeout.Infinite, stop.Token);
        }
        catch (OperationCanceledException)
        {
            // shutting down
        }

        await server.StopAsync(new MqttServerStopOptions());
        return 0;
    }
}
