using System.Globalization;

namespace ClusterBroker.IntegrationTests;

/// <summary>$SYS/broker/bytes/received and bytes/sent count the MQTT bytes the transport moved.</summary>
public sealed class Sys_Byte_Counter_Tests
{
    [Fact]
    public async Task Bytes_received_and_sent_grow_with_the_traffic_of_the_clients()
    {
        await using var broker = await TestBroker.StartAsync(new ClusterBroker.Core.BrokerOptions { SysInterval = TimeSpan.FromSeconds(1) });
        await using var watcher = await TestClient.ConnectAsync(broker.Port);
        await watcher.SubscribeAsync("$SYS/broker/bytes/#", Q.Q0);
        await using var publisher = await TestClient.ConnectAsync(broker.Port);
        await publisher.PublishAsync("sys/bytes/probe", new string('x', 10_000), Q.Q1);

        // Live publications only: both counters must pass the 10,000-byte payload the publisher sent
        // (received) and the $SYS messages already delivered to the watcher (sent).
        await watcher.Messages.WaitUntilAsync(
            list => list.Any(m => !m.Retain && m.Topic == "$SYS/broker/bytes/received" && Parse(m.Payload) > 10_000)
                 && list.Any(m => !m.Retain && m.Topic == "$SYS/broker/bytes/sent" && Parse(m.Payload) > 0),
            "byte counters covering the published payload", TimeSpan.FromSeconds(10));
    }

    private static long Parse(string payload) =>
        long.TryParse(payload, NumberStyles.Integer, CultureInfo.InvariantCulture, out long value) ? value : -1;
}
