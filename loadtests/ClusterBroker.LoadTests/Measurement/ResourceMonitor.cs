using System.Diagnostics;

namespace ClusterBroker.LoadTests.Measurement;

/// <summary>
/// Samples the runner's own processes (itself and its workers) and the broker processes (--pid) so the
/// report shows who used the two cores. A process that exits keeps its last seen CPU time.
/// </summary>
public sealed class ResourceMonitor
{
    private readonly IReadOnlyList<int> _brokerPids;
    private readonly Func<IReadOnlyCollection<int>> _runnerPids;
    private readonly Dictionary<int, long> _lastTicks = [];
    private long _previousRunnerTicks;
    private long _previousBrokerTicks;
    private long _previousTimestamp;
    private long _windowStartRunnerTicks;
    private long _windowStartBrokerTicks;
    private long _windowStartTimestamp;

    public ResourceMonitor(IReadOnlyList<int> brokerPids, Func<IReadOnlyCollection<int>> runnerPids)
    {
        _brokerPids = brokerPids;
        _runnerPids = runnerPids;
        (_previousRunnerTicks, _previousBrokerTicks, _) = ReadTotals();
        _previousTimestamp = Stopwatch.GetTimestamp();
        MarkWindowStart();
    }

    public bool HasBroker => _brokerPids.Count > 0;

    public long BrokerRssBytes()
    {
        long rss = 0;
        foreach (var pid in _brokerPids)
        {
            rss += ProcFs.Read(pid).RssBytes;
        }

        return rss;
    }

    public ResourceSample Sample()
    {
        var (runner, broker, rss) = ReadTotals();
        var now = Stopwatch.GetTimestamp();
        var seconds = Math.Max(1e-3, Stopwatch.GetElapsedTime(_previousTimestamp, now).TotalSeconds);
        var sample = new ResourceSample(
            Percent(runner - _previousRunnerTicks, seconds),
            Percent(broker - _previousBrokerTicks, seconds),
            rss);
        (_previousRunnerTicks, _previousBrokerTicks, _previousTimestamp) = (runner, broker, now);
        return sample;
    }

    public void MarkWindowStart()
    {
        (_windowStartRunnerTicks, _windowStartBrokerTicks, _) = ReadTotals();
        _windowStartTimestamp = Stopwatch.GetTimestamp();
    }

    /// <summary>Average CPU of runner and broker since MarkWindowStart.</summary>
    public ResourceSample WindowAverage()
    {
        var (runner, broker, rss) = ReadTotals();
        var seconds = Math.Max(1e-3, Stopwatch.GetElapsedTime(_windowStartTimestamp).TotalSeconds);
        return new ResourceSample(
            Percent(runner - _windowStartRunnerTicks, seconds),
            Percent(broker - _windowStartBrokerTicks, seconds),
            rss);
    }

    private static double Percent(long ticks, double seconds) => ticks / ProcFs.TicksPerSecond / seconds * 100;

    private (long Runner, long Broker, long Rss) ReadTotals()
    {
        lock (_lastTicks)
        {
            long runner = 0;
            foreach (var pid in _runnerPids())
            {
                runner += Ticks(pid, out _);
            }

            long broker = 0, rss = 0;
            foreach (var pid in _brokerPids)
            {
                broker += Ticks(pid, out var pidRss);
                rss += pidRss;
            }

            return (runner, broker, rss);
        }
    }

    private long Ticks(int pid, out long rss)
    {
        var sample = ProcFs.Read(pid);
        rss = sample.RssBytes;
        if (sample.Alive)
        {
            _lastTicks[pid] = sample.CpuTicks;
            return sample.CpuTicks;
        }

        return _lastTicks.GetValueOrDefault(pid);
    }
}
