using System.Diagnostics;
using ClusterBroker.Core.Connections;
using ClusterBroker.Transport;

namespace ClusterBroker.IntegrationTests;

/// <summary>
/// Listener quotas with real clients: a publisher over its publish rate is slowed (its reads pause), a 5.0 client
/// that keeps exceeding its rate or byte allowance gets DISCONNECT 0x96 / 0x97, max connections refuses the next
/// connection, and each is counted. Time bounds are lower bounds (a loaded machine only makes them slower) with margin.
/// </summary>
public sealed class Quota_Tests(Xunit.Abstractions.ITestOutputHelper output)
{
    private static Task<TestBroker> StartAsync(Action<ListenerQuotaOptions> quotas) =>
        TestBroker.StartAsync(configureTransport: t => quotas(t.Quotas));

    private static long Count(TestBroker broker, QuotaEvent quotaEvent) => broker.Host.Node.Metrics.QuotaEvents(quotaEvent);

    [Fact]
    public async Task A_publisher_over_its_publish_rate_is_slowed_to_the_rate_and_loses_nothing()
    {
        const int rate = 20, burst = 10, messages = 70;
        await using var broker = await StartAsync(q => { q.PublishRate = rate; q.PublishBurst = burst; });
        string topic = Unique.Topic();
        await using var subscriber = await TestClient.ConnectAsync(broker.Port);
        await subscriber.SubscribeAsync(topic, MqttQualityOfServiceLevel.AtMostOnce);
        await using var publisher = await TestClient.ConnectAsync(broker.Port);

        var clock = Stopwatch.StartNew();
        for (int i = 0; i < messages; i++)
        {
            // QoS 0: the client writes as fast as its socket takes them, so only the broker's pause slows it
            await publisher.PublishAsync(topic, i.ToString());
        }
        TimeSpan written = clock.Elapsed;
        await subscriber.Messages.WaitForAsync(m => m.Payload == (messages - 1).ToString(), "the last message", TimeSpan.FromSeconds(30));
        TimeSpan received = clock.Elapsed;

        output.WriteLine($"70 messages at 20/s, burst 10: written by the client in {written.TotalSeconds:0.00} s, all received after {received.TotalSeconds:0.00} s");
        // (70 - 10 burst) / 20 per second = 3 s at least; 2.5 s leaves room for a read that began before the clock
        Assert.True(received >= TimeSpan.FromSeconds(2.5), $"70 messages at 20/s (burst 10) arrived within {received.TotalSeconds:0.00} s (written in {written.TotalSeconds:0.00} s)");
        Assert.Equal(Enumerable.Range(0, messages).Select(i => i.ToString()), subscriber.Messages.Snapshot().Select(m => m.Payload));
        Assert.True(Count(broker, QuotaEvent.PublishRateThrottled) > 0, "the throttling is counted");
        Assert.True(publisher.Client.IsConnected, "a slowed client is not disconnected when DisconnectAfter is 0");
    }

    [Fact]
    public async Task The_received_count_stays_under_burst_plus_rate_times_time()
    {
        const int rate = 10, burst = 5;
        await using var broker = await StartAsync(q => { q.PublishRate = rate; q.PublishBurst = burst; });
        string topic = Unique.Topic();
        await using var subscriber = await TestClient.ConnectAsync(broker.Port);
        await subscriber.SubscribeAsync(topic, MqttQualityOfServiceLevel.AtMostOnce);
        await using var publisher = await TestClient.ConnectAsync(broker.Port);

        var clock = Stopwatch.StartNew();
        for (int i = 0; i < 200; i++)
        {
            await publisher.PublishAsync(topic, "x");
        }
        await subscriber.Messages.WaitForAsync(_ => subscriber.Messages.Count >= 25, "25 messages", TimeSpan.FromSeconds(30));
        // the count first: a message arriving between the two readings must not be counted without its time
        int count = subscriber.Messages.Count;
        double seconds = clock.Elapsed.TotalSeconds;

        output.WriteLine($"{count} messages received after {seconds:0.00} s at 10/s, burst 5 (bound {burst + rate * seconds + 1:0.0})");
        // every message the broker handled was charged after the clock started: count <= burst + rate * t + 1 (the one
        // that overdrew); in practice it sits right at that bound, so one more message of margin for clock rounding
        Assert.True(count <= burst + rate * seconds + 2, $"{count} messages in {seconds:0.00} s exceed {burst} + {rate}/s");
    }

    [Fact]
    public async Task A_5_0_client_that_keeps_exceeding_its_publish_rate_gets_DISCONNECT_0x96()
    {
        await using var broker = await StartAsync(q => { q.PublishRate = 5; q.PublishBurst = 5; q.DisconnectAfter = TimeSpan.FromSeconds(1); });
        await using var publisher = await TestClient.ConnectAsync(broker.Port);

        await KeepPublishingUntilDisconnectedAsync(publisher, payloadSize: 10);

        var disconnected = await publisher.Disconnected.WaitAsync(TestTimeouts.Default);
        Assert.Equal(MqttClientDisconnectReason.MessageRateTooHigh, disconnected.Reason);
        Assert.Equal(1, Count(broker, QuotaEvent.DisconnectedMessageRate));
        await Eventually.AssertAsync(() => broker.Logs.WarningsMentioning("Transport:Quotas:PublishRate").Count == 1, "one warning naming the rule");
    }

    [Fact]
    public async Task Over_TLS_a_5_0_client_that_keeps_exceeding_its_publish_rate_reads_its_DISCONNECT_0x96()
    {
        using var pki = new TestPki();
        var server = pki.IssueServer();
        await using var broker = await TestBroker.StartAsync(configureTransport: t => t.Tls = new TlsListenerOptions
        {
            Port = 0,
            CertificatePath = server.CertificatePath,
            KeyPath = server.KeyPath,
            Quotas = new ListenerQuotaOptions { PublishRate = 5, PublishBurst = 5, DisconnectAfter = TimeSpan.FromSeconds(1) },
        });
        int tlsPort = broker.Host.EndPoints.Single(e => e.Port != broker.Port).Port;
        await using var publisher = await TestClient.ConnectAsync(tlsPort, configure: b => b.WithTlsOptions(o => o
            .UseTls(true)
            .WithTargetHost("localhost")
            .WithCertificateValidationHandler(e => e.Certificate?.Issuer == pki.Authority.Subject)));

        await KeepPublishingUntilDisconnectedAsync(publisher, payloadSize: 10);

        var disconnected = await publisher.Disconnected.WaitAsync(TestTimeouts.Default);
        Assert.Equal(MqttClientDisconnectReason.MessageRateTooHigh, disconnected.Reason);
        await Eventually.AssertAsync(() => broker.Logs.WarningsMentioning("Transport:Tls:Quotas:PublishRate").Count == 1, "one warning naming the TLS listener's rule");
    }

    [Fact]
    public async Task A_5_0_client_that_keeps_exceeding_its_byte_rate_gets_DISCONNECT_0x97()
    {
        await using var broker = await StartAsync(q => { q.BytesPerSecond = 4000; q.DisconnectAfter = TimeSpan.FromSeconds(1); });
        await using var publisher = await TestClient.ConnectAsync(broker.Port);

        await KeepPublishingUntilDisconnectedAsync(publisher, payloadSize: 1000);

        var disconnected = await publisher.Disconnected.WaitAsync(TestTimeouts.Default);
        Assert.Equal(MqttClientDisconnectReason.QuotaExceeded, disconnected.Reason);
        Assert.Equal(1, Count(broker, QuotaEvent.DisconnectedQuotaExceeded));
        Assert.True(Count(broker, QuotaEvent.BytesThrottled) > 0);
    }

    [Fact]
    public async Task A_3_1_1_client_over_its_rate_is_only_slowed()
    {
        await using var broker = await StartAsync(q => { q.PublishRate = 5; q.PublishBurst = 5; q.DisconnectAfter = TimeSpan.FromSeconds(1); });
        string topic = Unique.Topic();
        await using var publisher = await TestClient.ConnectAsync(broker.Port, version: MqttProtocolVersion.V311);

        for (int i = 0; i < 20; i++)
        {
            await publisher.PublishAsync(topic, "x");
        }
        // 20 messages at 5/s (burst 5) take 3 s: well past DisconnectAfter, and the client is still served
        await publisher.PingAsync();
        await using var subscriber = await TestClient.ConnectAsync(broker.Port);
        await subscriber.SubscribeAsync(topic, MqttQualityOfServiceLevel.AtMostOnce);
        await publisher.PublishAsync(topic, "still here", MqttQualityOfServiceLevel.AtLeastOnce);
        await subscriber.Messages.WaitForAsync(m => m.Payload == "still here", "the message after the slow-down", TimeSpan.FromSeconds(30));
        Assert.True(publisher.Client.IsConnected);
    }

    [Fact]
    public async Task Max_connections_closes_the_next_connection_until_one_leaves()
    {
        await using var broker = await StartAsync(q => q.MaxConnections = 2);
        await using var first = await TestClient.ConnectAsync(broker.Port);
        await using var second = await TestClient.ConnectAsync(broker.Port);

        await Assert.ThrowsAnyAsync<Exception>(() => TestClient.ConnectAsync(broker.Port));
        Assert.True(Count(broker, QuotaEvent.ConnectionsOverLimit) >= 1);
        Assert.Single(broker.Logs.WarningsMentioning("Transport:Quotas"));

        await first.DisconnectAsync();
        TestClient? third = null;
        Assert.True(await Eventually.TrueAsync(async () =>
        {
            try
            {
                third = await TestClient.ConnectAsync(broker.Port);
                return true;
            }
            catch (Exception)
            {
                return false;
            }
        }), "a connection is admitted once one closed");
        await using var _ = third!;
        await third!.PingAsync();
        await second.PingAsync();
    }

    [Fact]
    public async Task Connections_above_the_connection_rate_are_closed()
    {
        await using var broker = await StartAsync(q => { q.ConnectionRate = 0.1; q.ConnectionBurst = 2; });
        await using var first = await TestClient.ConnectAsync(broker.Port);
        await using var second = await TestClient.ConnectAsync(broker.Port);

        await Assert.ThrowsAnyAsync<Exception>(() => TestClient.ConnectAsync(broker.Port));
        Assert.True(Count(broker, QuotaEvent.ConnectionsOverRate) >= 1);
        await first.PingAsync();
    }

    [Fact]
    public async Task Quota_counters_are_published_under_SYS()
    {
        await using var broker = await TestBroker.StartAsync(new ClusterBroker.Core.BrokerOptions { SysInterval = TimeSpan.FromMilliseconds(200) }, t => t.Quotas.MaxConnections = 1);
        await using var watcher = await TestClient.ConnectAsync(broker.Port);
        await Assert.ThrowsAnyAsync<Exception>(() => TestClient.ConnectAsync(broker.Port));

        await watcher.SubscribeAsync("$SYS/broker/quotas/#", MqttQualityOfServiceLevel.AtMostOnce);

        await watcher.Messages.WaitForAsync(m => m.Topic == "$SYS/broker/quotas/connections-over-limit" && m.Payload == "1", "the counter of refused connections");
        await watcher.Messages.WaitForAsync(m => m.Topic == "$SYS/broker/quotas/disconnected-message-rate" && m.Payload == "0", "the other counters, at 0");
    }

    private static async Task KeepPublishingUntilDisconnectedAsync(TestClient publisher, int payloadSize)
    {
        string topic = Unique.Topic();
        string payload = new('p', payloadSize);
        var deadline = Stopwatch.StartNew();
        while (publisher.Client.IsConnected && !publisher.Disconnected.IsCompleted && deadline.Elapsed < TimeSpan.FromSeconds(30))
        {
            try
            {
                await publisher.PublishAsync(topic, payload);
            }
            catch (Exception) when (!publisher.Client.IsConnected || publisher.Disconnected.IsCompleted)
            {
                break;
            }
            catch (MQTTnet.Exceptions.MqttCommunicationException)
            {
                break;
            }
        }
    }
}
