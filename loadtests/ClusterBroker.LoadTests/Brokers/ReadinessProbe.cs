using System.Diagnostics;
using System.Net;
using ClusterBroker.LoadTests.Configuration;
using ClusterBroker.LoadTests.Lightweight;

namespace ClusterBroker.LoadTests.Brokers;

/// <summary>A broker is ready when it answers a CONNECT with a successful CONNACK; tried every 100 ms up to a deadline.</summary>
public static class ReadinessProbe
{
    private static readonly TimeSpan RetryInterval = TimeSpan.FromMilliseconds(100);

    public static async Task<bool> WaitAsync(IPEndPoint endpoint, TimeSpan timeout, Func<bool> processAlive, CancellationToken cancellationToken)
    {
        var packet = ControlPackets.Connect(new ConnectSettings($"cblt-probe-{Environment.ProcessId}", MqttProtocol.V311, 10, true, null, null));
        var deadline = Stopwatch.GetTimestamp() + (long)(timeout.TotalSeconds * Stopwatch.Frequency);
        while (Stopwatch.GetTimestamp() < deadline && processAlive())
        {
            var result = await RawConnection.OpenAsync(endpoint, null, packet, 10, TimeSpan.FromSeconds(2), cancellationToken);
            if (result.Connection is { } connection)
            {
                connection.Dispose();
                return true;
            }

            await Task.Delay(RetryInterval, cancellationToken);
        }

        return false;
    }
}
