using System.Diagnostics;
using ClusterBroker.LoadTests.Measurement;
using ClusterBroker.LoadTests.Progress;

namespace ClusterBroker.LoadTests.Scenarios;

/// <summary>
/// Once a second: reads the scenario's counters, closes a latency interval, samples CPU and memory,
/// appends a timeline point and feeds the live view. Runs until cancelled.
/// </summary>
public sealed class RunSampler
{
    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(1);

    private readonly ScenarioContext _context;
    private readonly Func<SamplerReading> _read;
    private readonly LatencyRecorder? _latency;
    private readonly List<TimelinePoint> _points = [];
    private readonly long _started = Stopwatch.GetTimestamp();
    private long _peakRss;

    public RunSampler(ScenarioContext context, Func<SamplerReading> read, LatencyRecorder? latency)
    {
        _context = context;
        _read = read;
        _latency = latency;
    }

    public IReadOnlyList<TimelinePoint> Points
    {
        get { lock (_points) { return [.. _points]; } }
    }

    public long PeakBrokerRss => Interlocked.Read(ref _peakRss);

    /// <summary>Called after each sample, on the sampler's thread.</summary>
    public event Action<SamplerReading, ResourceSample>? Sampled;

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(Interval);
        var previous = _read();
        var previousTime = Stopwatch.GetTimestamp();
        try
        {
            while (await timer.WaitForNextTickAsync(cancellationToken))
            {
                (previous, previousTime) = Sample(previous, previousTime);
            }
        }
        catch (OperationCanceledException)
        {
            // run over: one last, partial interval so that short runs have a timeline too
            Sample(previous, previousTime);
        }
    }

    private (SamplerReading Reading, long Time) Sample(SamplerReading previous, long previousTime)
    {
        var reading = _read();
        var now = Stopwatch.GetTimestamp();
        var seconds = Math.Max(1e-3, Stopwatch.GetElapsedTime(previousTime, now).TotalSeconds);
        var latency = _latency?.TakeInterval() ?? LatencySummary.Empty;
        var resources = _context.Resources.Sample();
        var elapsed = Stopwatch.GetElapsedTime(_started, now);
        var sentRate = (reading.Sent - previous.Sent) / seconds;
        var receivedRate = (reading.Received - previous.Received) / seconds;
        lock (_points)
        {
            _points.Add(new TimelinePoint(
                Math.Round(elapsed.TotalSeconds, 1), reading.WarmUp, sentRate, receivedRate,
                latency.P50, latency.P99, latency.Max,
                resources.RunnerCpuPercent, resources.BrokerCpuPercent, resources.BrokerRssBytes, reading.Connections));
        }

        Interlocked.Exchange(ref _peakRss, Math.Max(Interlocked.Read(ref _peakRss), resources.BrokerRssBytes));
        _context.Progress.Report(new ProgressSnapshot(
            _context.ScenarioName, _context.Settings.Label, reading.Phase, elapsed,
            reading.Connections, reading.Failed, reading.Sent, reading.Received, sentRate, receivedRate,
            latency.P99, resources.RunnerCpuPercent, resources.BrokerCpuPercent, resources.BrokerRssBytes));
        Sampled?.Invoke(reading, resources);
        return (reading, now);
    }
}
