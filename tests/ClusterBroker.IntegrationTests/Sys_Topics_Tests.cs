using System.Diagnostics;
using System.Globalization;

namespace ClusterBroker.IntegrationTests;

/// <summary>$SYS/broker/... statistics published at the configured interval.</summary>
public sealed class Sys_Topics_Tests(FastSysBrokerFixture broker) : IClassFixture<FastSysBrokerFixture>
{
    private int Port => broker.Port;

    private static readonly string[] ExpectedTopicFragments =
    [
        "version", "uptime", "clients/connected", "clients/total", "messages/received", "messages/sent",
        "bytes/received", "bytes/sent", "subscriptions", "retained",
    ];

    [Fact]
    public async Task The_broker_publishes_version_uptime_clients_messages_bytes_subscriptions_and_retained_count()
    {
        await using var client = await TestClient.ConnectAsync(Port);
        await client.SubscribeAsync("$SYS/broker/#", Q.Q0);

        var received = await client.Messages.WaitUntilAsync(
            list => ExpectedTopicFragments.All(f => list.Any(m => m.Topic.Contains(f, StringComparison.Ordinal))),
            "every $SYS/broker statistic", TimeSpan.FromSeconds(5));

        Assert.All(received, m => Assert.StartsWith("$SYS/broker/", m.Topic));
        var version = received.First(m => m.Topic.EndsWith("version", StringComparison.Ordinal));
        Assert.False(string.IsNullOrWhiteSpace(version.Payload));
    }

    [Fact]
    public async Task Statistics_are_republished_at_the_configured_interval()
    {
        await using var client = await TestClient.ConnectAsync(Port);
        await client.SubscribeAsync("$SYS/broker/uptime", Q.Q0);

        // live publications only (a retained copy may arrive at subscribe time, in any order); five of
        // them span four intervals. Measured over several periods because a scheduler that fell behind on
        // a loaded machine may catch up with a short burst.
        var live = await client.Messages.WaitUntilAsync(list => list.Count(m => !m.Retain) >= 5, "five live uptime publications", TimeSpan.FromSeconds(12));

        var times = live.Where(m => !m.Retain).Take(5).Select(m => m.ReceivedAt).ToList();
        var fourPeriods = Stopwatch.GetElapsedTime(times[0], times[4]);
        Assert.InRange(fourPeriods, TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(8));
    }

    [Fact]
    public async Task The_connected_clients_count_follows_connections_and_disconnections()
    {
        // its own broker, so that no other test's clients are counted
        await using var own = await TestBroker.StartAsync(new ClusterBroker.Core.BrokerOptions { SysInterval = TimeSpan.FromSeconds(1) });
        await using var watcher = await TestClient.ConnectAsync(own.Port);
        await watcher.SubscribeAsync("$SYS/broker/clients/connected", Q.Q0);
        var extra = new List<TestClient>();
        try
        {
            for (var i = 0; i < 3; i++)
            {
                extra.Add(await TestClient.ConnectAsync(own.Port));
            }
            await watcher.Messages.WaitForAsync(m => !m.Retain && m.Payload.Trim() == "4", "clients/connected = 4", TimeSpan.FromSeconds(5));

            foreach (var client in extra)
            {
                await client.DisposeAsync();
            }
            extra.Clear();
            await watcher.Messages.WaitForAsync(m => !m.Retain && m.Payload.Trim() == "1", "clients/connected back to 1", TimeSpan.FromSeconds(5));
        }
        finally
        {
            foreach (var client in extra)
            {
                await client.DisposeAsync();
            }
        }
    }

    [Fact]
    public async Task The_received_message_count_grows_with_publishes()
    {
        await using var watcher = await TestClient.ConnectAsync(Port);
        await watcher.SubscribeAsync("$SYS/broker/messages/received", Q.Q0);
        var first = long.Parse((await watcher.Messages.WaitForCountAsync(1, TimeSpan.FromSeconds(5)))[0].Payload.Trim(), CultureInfo.InvariantCulture);
        await using var publisher = await TestClient.ConnectAsync(Port);

        for (var i = 0; i < 20; i++)
        {
            await publisher.PublishAsync(Unique.Topic(), "count me", Q.Q1);
        }

        await watcher.Messages.WaitForAsync(
            m => long.TryParse(m.Payload.Trim(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) && n >= first + 20,
            $"messages/received to reach {first + 20}", TimeSpan.FromSeconds(5));
    }
}
