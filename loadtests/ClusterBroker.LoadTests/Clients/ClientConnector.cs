using System.Diagnostics;
using MQTTnet;
using MQTTnet.Exceptions;

namespace ClusterBroker.LoadTests.Clients;

/// <summary>Connects and disconnects many MQTTnet clients at a bounded rate and concurrency.</summary>
public static class ClientConnector
{
    /// <summary>Connects every client; returns how many failed (each client's Failure says why).</summary>
    public static async Task<int> ConnectAllAsync(IReadOnlyList<LoadClient> clients, double ratePerSecond, int concurrency, CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        var failed = 0;
        var options = new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, concurrency), CancellationToken = cancellationToken };
        await Parallel.ForEachAsync(Enumerable.Range(0, clients.Count), options, async (i, token) =>
        {
            if (ratePerSecond > 0)
            {
                var due = started + (long)(i * Stopwatch.Frequency / ratePerSecond);
                var wait = Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), due);
                if (wait > TimeSpan.Zero)
                {
                    await Task.Delay(wait, token);
                }
            }

            var client = clients[i];
            try
            {
                client.Connected = await client.Client.ConnectAsync(client.Options, token);
                if (client.Connected.ResultCode != MqttClientConnectResultCode.Success)
                {
                    client.Failure = $"CONNACK {client.Connected.ResultCode}";
                    Interlocked.Increment(ref failed);
                }
            }
            catch (Exception e) when (e is MqttCommunicationException or OperationCanceledException or InvalidOperationException)
            {
                client.Failure = e.Message;
                Interlocked.Increment(ref failed);
            }
        });
        return failed;
    }

    /// <summary>Disconnects and disposes every client, each bounded by the timeout.</summary>
    public static async Task DisconnectAllAsync(IEnumerable<LoadClient> clients, TimeSpan timeout)
    {
        await Parallel.ForEachAsync(clients, new ParallelOptions { MaxDegreeOfParallelism = 64 }, async (client, _) =>
        {
            using var deadline = new CancellationTokenSource(timeout);
            try
            {
                if (client.Client.IsConnected)
                {
                    await client.Client.DisconnectAsync(new MqttClientDisconnectOptions(), deadline.Token);
                }
            }
            catch (Exception e) when (e is MqttCommunicationException or OperationCanceledException or InvalidOperationException)
            {
                // the broker may already have closed it
            }
            finally
            {
                client.Client.Dispose();
            }
        });
    }
}
