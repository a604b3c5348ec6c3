using System.Net;
using ClusterBroker.LoadTests.Clients;
using ClusterBroker.LoadTests.Configuration;
using ClusterBroker.LoadTests.Lightweight;
using ClusterBroker.LoadTests.Workers;

namespace ClusterBroker.LoadTests.Tests.Unit;

public sealed class Workers_Tests
{
    private static readonly SwarmPlan Plan = new(
        [new BrokerEndpoint("127.0.0.1", 1883)], 0, 100_000, 2000, 256, 10, 30, true, "c", MqttProtocol.V311, 60, true, null, null);

    [Fact]
    public void A_plan_is_split_into_contiguous_slices_under_the_per_process_limit()
    {
        var slices = SwarmWorkers.Split(Plan, 15_000);

        Assert.Equal(7, slices.Count);
        Assert.Equal(100_000, slices.Sum(s => s.Count));
        Assert.All(slices, s => Assert.True(s.Count <= 15_000));
        for (var i = 1; i < slices.Count; i++)
        {
            Assert.Equal(slices[i - 1].FirstIndex + slices[i - 1].Count, slices[i].FirstIndex);
        }

        Assert.Equal(2000, slices.Sum(s => s.ConnectRate), 6);
    }

    [Fact]
    public void The_plan_and_progress_survive_the_line_protocol()
    {
        Assert.Equal(Plan with { Brokers = Plan.Brokers }, WorkerProtocol.DecodePlan(WorkerProtocol.EncodePlan(Plan)) with { Brokers = Plan.Brokers });
        var counters = new SwarmCounters();
        counters.AddAttempt();
        counters.AddConnected();
        counters.Enter(SwarmPhase.Holding);

        Assert.True(WorkerProtocol.TryParseProgress(WorkerProtocol.Progress(counters), out var progress));
        Assert.Equal(new WorkerProgress(1, 1, 0, 0, SwarmPhase.Holding), progress);
    }

    [Fact]
    public void Source_addresses_stay_in_the_loopback_range_and_change_every_thousand_clients()
    {
        var addresses = Enumerable.Range(0, 100).Select(i => SourceAddressPool.For(i * 1000)).ToList();

        Assert.All(addresses, a => Assert.True(IPAddress.IsLoopback(a)));
        Assert.Equal(100, addresses.Distinct().Count());
        Assert.Equal(SourceAddressPool.For(5), SourceAddressPool.For(999));
    }

    [Fact]
    public void Endpoints_off_the_loopback_range_are_refused()
    {
        Assert.Throws<FormatException>(() => BrokerEndpoint.Parse("10.0.0.1:1883"));
        Assert.Equal(18830, BrokerEndpoint.Parse("127.0.0.1:18830").Port);
    }
}
