using System.Diagnostics;

namespace ClusterBroker.LoadTests.Scenarios;

/// <summary>
/// The phases of a message run on the Stopwatch clock: publishing starts, warm-up ends (measurement
/// starts), measurement ends. Only messages sent inside [MeasureStart, MeasureEnd) enter the figures.
/// </summary>
public sealed class FlowWindow
{
    public FlowWindow(double warmupSeconds, double durationSeconds)
    {
        Start = Stopwatch.GetTimestamp();
        MeasureStart = Start + (long)(warmupSeconds * Stopwatch.Frequency);
        MeasureEnd = MeasureStart + (long)(durationSeconds * Stopwatch.Frequency);
    }

    public long Start { get; }
    public long MeasureStart { get; }
    public long MeasureEnd { get; }

    public double MeasuredSeconds => (MeasureEnd - MeasureStart) / (double)Stopwatch.Frequency;

    public bool IsMeasured(long timestamp) => timestamp >= MeasureStart && timestamp < MeasureEnd;

    public bool InWarmUp(long timestamp) => timestamp < MeasureStart;

    public double SecondsSinceStart(long timestamp) => (timestamp - Start) / (double)Stopwatch.Frequency;

    public TimeSpan UntilEnd() => Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), MeasureEnd);
}
