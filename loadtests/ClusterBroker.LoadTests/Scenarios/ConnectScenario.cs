using System.Diagnostics;
using ClusterBroker.LoadTests.Lightweight;
using ClusterBroker.LoadTests.Measurement;
using ClusterBroker.LoadTests.Workers;
using HdrHistogram;

namespace ClusterBroker.LoadTests.Scenarios;

/// <summary>
/// Ramps to N connections (--clients) at R connections/s (--connect-rate) with the lightweight raw-socket
/// client, holds them for --duration seconds with keep-alive pings, then closes them. Spreads over worker
/// processes above --clients-per-worker. With --pid, the broker's resident memory per connection is the
/// growth of its RSS from before the ramp to the hold, divided by the connections open then.
/// </summary>
public sealed class ConnectScenario : IScenario
{
    public string Name => "connect";

    public string Description => "ramp to N connections (--clients) at --connect-rate per second, hold --duration seconds; connect rate, failures, time to all, memory per connection (--pid)";

    public async Task<ScenarioResult> RunAsync(ScenarioContext context, CancellationToken cancellationToken)
    {
        var s = context.Settings;
        var startedAt = DateTimeOffset.UtcNow;
        var started = Stopwatch.GetTimestamp();
        long? baseline = context.Resources.HasBroker ? context.Resources.BrokerRssBytes() : null;
        var plan = new SwarmPlan(
            s.Brokers, 0, s.Clients, s.ConnectRate, s.ConnectConcurrency, s.ConnectTimeoutSeconds, s.DurationSeconds,
            s.SpreadSourceAddresses, $"cblt-{context.RunId}-c", s.Protocol, s.KeepAliveSeconds, s.CleanStart, s.Username, s.Password);

        SwarmWorkers? workers = null;
        ConnectionSwarm? swarm = null;
        if (s.Clients > s.ClientsPerWorker)
        {
            workers = new SwarmWorkers(plan, s.ClientsPerWorker);
        }
        else
        {
            swarm = new ConnectionSwarm(plan);
        }

        WorkerProgress Progress()
        {
            if (workers is not null)
            {
                context.AddRunnerProcesses(workers.Pids);
                return workers.Progress;
            }

            var c = swarm!.Counters;
            return new WorkerProgress(c.Attempted, c.Connected, c.Failed, c.Dropped, c.Phase);
        }

        long holdRss = 0, holdOpen = 0;
        var sampler = new RunSampler(context, () =>
        {
            var p = Progress();
            return new SamplerReading(p.Phase.ToString().ToLowerInvariant(), p.Phase == SwarmPhase.Connecting, p.Connected - p.Dropped, p.Failed, p.Connected, 0);
        }, latency: null);
        sampler.Sampled += (reading, resources) =>
        {
            if (reading.Phase == "holding")
            {
                holdRss = resources.BrokerRssBytes;
                holdOpen = reading.Connections;
            }
        };

        using var samplerStop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var sampling = sampler.RunAsync(samplerStop.Token);
        context.Resources.MarkWindowStart();
        SwarmResult result;
        try
        {
            result = workers is not null ? await workers.RunAsync(cancellationToken) : await swarm!.RunAsync(cancellationToken);
        }
        finally
        {
            await samplerStop.CancelAsync();
            await sampling;
        }

        var resourcesAverage = context.Resources.WindowAverage();
        double? perConnection = baseline is { } before && holdOpen > 0 && holdRss > 0 ? (holdRss - before) / (double)holdOpen : null;
        var figures = new ConnectFigures(
            result.Attempted, result.Connected, result.Failed, result.Dropped, result.PingResponses, result.ConnectRate, result.SecondsToAllConnected,
            Latencies(result), baseline, holdRss > 0 ? holdRss : null, perConnection, workers?.WorkerCount ?? 0, result.FailureReasons);

        return new ScenarioResult
        {
            Scenario = Name,
            Broker = s.Label,
            Settings = SettingsSummary.Describe(s),
            StartedAt = startedAt,
            ElapsedSeconds = Stopwatch.GetElapsedTime(started).TotalSeconds,
            Note = result.Connected == 0 ? "no connection was accepted" : null,
            Failed = result.Connected == 0,
            Connect = figures,
            RunnerCpuPercent = resourcesAverage.RunnerCpuPercent,
            BrokerCpuPercent = resourcesAverage.BrokerCpuPercent,
            BrokerPeakRssBytes = sampler.PeakBrokerRss,
            Timeline = sampler.Points,
        };
    }

    private static LatencySummary Latencies(SwarmResult result)
    {
        var histogram = new LongHistogram(1, 60_000_000, 3);
        foreach (var pair in result.ConnectLatencyMicros)
        {
            histogram.RecordValueWithCount(pair[0], pair[1]);
        }

        return LatencySummary.From(histogram);
    }
}
