using ClusterBroker.LoadTests.Configuration;
using ClusterBroker.LoadTests.Progress;
using ClusterBroker.LoadTests.Scenarios;
using ClusterBroker.LoadTests.Tests.Brokers;

namespace ClusterBroker.LoadTests.Tests.Smoke;

/// <summary>
/// Every scenario, a few seconds each, against a real broker process. Deriving with another fixture is
/// all it takes to smoke-test another broker. Each test asserts that messages flowed and that what the
/// runner counted adds up: expected = delivered + lost, no duplicates or misrouting where none can be.
/// </summary>
public abstract class Scenario_Smoke_Tests<TBroker> : IClassFixture<TBroker>
    where TBroker : BrokerProcess
{
    private readonly TBroker _broker;

    protected Scenario_Smoke_Tests(TBroker broker) => _broker = broker;

    [BrokerFact]
    public async Task Connect_opens_every_connection_holds_it_and_measures_broker_memory()
    {
        var result = await RunAsync("connect", s => s with { Clients = 300, DurationSeconds = 6, KeepAliveSeconds = 6 });

        var connect = Assert.IsType<ConnectFigures>(result.Connect);
        Assert.Equal(300, connect.Connected);
        Assert.Equal(0, connect.Failed);
        Assert.Equal(0, connect.Dropped);
        Assert.True(connect.ConnectRate > 0);
        Assert.True(connect.PingResponses > 0, "keep-alive pings were answered");
        Assert.NotNull(connect.MemoryPerConnectionBytes);
    }

    [BrokerFact]
    public async Task Connect_spreads_over_worker_processes_above_the_per_process_limit()
    {
        var result = await RunAsync("connect", s => s with { Clients = 400, ClientsPerWorker = 200, DurationSeconds = 1 });

        var connect = Assert.IsType<ConnectFigures>(result.Connect);
        Assert.Equal(2, connect.Workers);
        Assert.Equal(400, connect.Connected);
        Assert.Equal(0, connect.Failed);
    }

    [BrokerFact]
    public async Task Fan_in_delivers_every_QoS1_message_of_every_publisher_once_and_in_order()
    {
        var result = await RunAsync("fan-in", s => s with { Clients = 4, Subscribers = 2, Qos = 1, Rate = 200 });

        AssertAllDelivered(result);
        Assert.Equal(result.Sent * 2, result.Delivery.Expected);
        Assert.True(result.Latency.Count > 0 && result.Latency.P99 > 0);
    }

    [BrokerFact]
    public async Task Fan_in_over_a_wildcard_delivers_every_publishers_topic()
    {
        var result = await RunAsync("fan-in", s => s with { Clients = 3, Wildcard = true, Qos = 1, Rate = 100 });

        AssertAllDelivered(result);
    }

    [BrokerFact]
    public async Task Fan_out_delivers_each_message_to_every_subscriber()
    {
        var result = await RunAsync("fan-out", s => s with { Clients = 20, Qos = 1, Rate = 100 });

        AssertAllDelivered(result);
        Assert.Equal(result.Sent * 20, result.Delivery.Expected);
    }

    [BrokerFact]
    public async Task Point_to_point_delivers_each_publisher_only_to_its_own_subscriber()
    {
        var result = await RunAsync("p2p", s => s with { Clients = 20, Qos = 1, Rate = 50, Protocol = MqttProtocol.V500 });

        AssertAllDelivered(result);
        Assert.Equal(result.Sent, result.Delivery.Expected);
    }

    [BrokerFact]
    public async Task Shared_group_gets_each_message_exactly_once_or_is_reported_unsupported()
    {
        var result = await RunAsync("shared", s => s with { Clients = 2, Subscribers = 3, Qos = 1, Rate = 100, Protocol = MqttProtocol.V500 }, mayBeUnsupported: true);

        if (_broker.SupportsSharedSubscriptions)
        {
            Assert.False(result.Unsupported, result.Note);
            AssertAllDelivered(result);
            Assert.Equal(result.Sent, result.Delivery.Expected);
            Assert.Equal(result.Delivery.Unique, result.DeliveriesPerMember.Sum());
        }
        else
        {
            Assert.True(result.Unsupported);
            Assert.Contains("shared subscriptions", result.Note);
            Assert.Equal(0, result.Delivery.Unique);
        }
    }

    [BrokerFact]
    public async Task Retained_messages_all_reach_every_wildcard_subscriber()
    {
        var result = await RunAsync("retained", s => s with { Clients = 5, RetainedMessages = 200, Qos = 1, DurationSeconds = 15 });

        var retained = Assert.IsType<RetainedFigures>(result.Retained);
        Assert.Equal(5, retained.SubscribersComplete);
        Assert.Equal(200, result.Sent);
        Assert.Equal(1000, result.Delivery.Unique);
        Assert.Equal(0, result.Delivery.Lost);
        Assert.True(retained.SecondsToAll > 0);
        Assert.True(retained.PublishSeconds > 0);
    }

    [BrokerFact]
    public async Task QoS0_flood_to_a_slow_subscriber_reports_exactly_what_it_lost()
    {
        var result = await RunAsync("fan-in", s => s with
        {
            Clients = 1, Qos = 0, Rate = 0, Inflight = 64, PayloadBytes = 512, MaxMessagesPerPublisher = 20_000,
            SlowSubscriberDelayMs = 2, DurationSeconds = 1.5, DrainSeconds = 1,
        });

        var d = result.Delivery;
        Assert.True(result.Sent > 0 && d.Unique > 0, "messages flowed");
        Assert.True(d.Lost > 0, $"a subscriber taking 2 ms per message cannot take {result.Sent} QoS 0 messages in time; lost {d.Lost}");
        Assert.Equal(d.Expected, d.Unique + d.Lost);
        Assert.Equal(0, d.Duplicates);
        Assert.Equal(0, d.Misrouted);
    }

    private async Task<ScenarioResult> RunAsync(string scenario, Func<RunSettings, RunSettings> configure, bool mayBeUnsupported = false)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(45));
        var result = await ScenarioRunner.RunAsync(scenario, configure(SmokeSettings.For(_broker)), NullProgressSink.Instance, timeout.Token);
        Assert.False(result.Failed, result.Note);
        Assert.True(mayBeUnsupported || !result.Unsupported, result.Note);
        Assert.NotEmpty(result.Timeline);
        return result;
    }

    private static void AssertAllDelivered(ScenarioResult result)
    {
        var d = result.Delivery;
        Assert.True(result.Sent > 0, "messages were sent");
        Assert.Equal(0, result.PublishFailures);
        Assert.Equal(d.Expected, d.Unique);
        Assert.Equal(0, d.Lost);
        Assert.Equal(0, d.Duplicates);
        Assert.Equal(0, d.OutOfOrder);
        Assert.Equal(0, d.Misrouted);
        Assert.True(result.ReceiveRate > 0);
    }
}
