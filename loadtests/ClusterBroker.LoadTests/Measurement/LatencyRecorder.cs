using System.Diagnostics;
using HdrHistogram;

namespace ClusterBroker.LoadTests.Measurement;

/// <summary>
/// End-to-end latencies in microseconds through HdrHistogram recorders (wait-free for the recording
/// threads, concurrent histograms since many subscribers record at once). "All" feeds the per-second timeline; "measured" holds only messages sent inside the
/// measurement window (after warm-up) and gives the reported percentiles.
/// </summary>
public sealed class LatencyRecorder
{
    public const long HighestMicros = 120_000_000;

    private readonly Recorder _all = NewRecorder();
    private readonly Recorder _measured = NewRecorder();
    private readonly LongHistogram _measuredTotal = NewHistogram();
    private readonly LongHistogram _allTotal = NewHistogram();
    private HistogramBase? _recycleAll;
    private HistogramBase? _recycleMeasured;

    public void RecordTicks(long elapsedTicks, bool measured)
    {
        var micros = Math.Clamp(elapsedTicks * 1_000_000 / Stopwatch.Frequency, 1, HighestMicros);
        _all.RecordValue(micros);
        if (measured)
        {
            _measured.RecordValue(micros);
        }
    }

    /// <summary>Closes the current interval (call once per timeline tick, from one thread).</summary>
    public LatencySummary TakeInterval()
    {
        var interval = _all.GetIntervalHistogram(_recycleAll);
        _allTotal.Add(interval);
        var summary = LatencySummary.From(interval);
        _recycleAll = interval;

        var measured = _measured.GetIntervalHistogram(_recycleMeasured);
        _measuredTotal.Add(measured);
        _recycleMeasured = measured;
        return summary;
    }

    public LatencySummary Measured()
    {
        TakeInterval();
        return LatencySummary.From(_measuredTotal);
    }

    public LatencySummary All() => LatencySummary.From(_allTotal);

    private static LongHistogram NewHistogram() => new(1, HighestMicros, 3);

    private static Recorder NewRecorder() =>
        new(1, HighestMicros, 3, (id, low, high, digits) => new LongConcurrentHistogram(id, low, high, digits));
}
