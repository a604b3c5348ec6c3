using HdrHistogram;

namespace ClusterBroker.LoadTests.Measurement;

/// <summary>Percentiles of one histogram, in microseconds.</summary>
public sealed record LatencySummary(long Count, long P50, long P90, long P99, long P999, long Max, double Mean)
{
    public static LatencySummary Empty { get; } = new(0, 0, 0, 0, 0, 0, 0);

    public static LatencySummary From(HistogramBase histogram)
    {
        if (histogram.TotalCount == 0)
        {
            return Empty;
        }

        return new LatencySummary(
            histogram.TotalCount,
            histogram.GetValueAtPercentile(50),
            histogram.GetValueAtPercentile(90),
            histogram.GetValueAtPercentile(99),
            histogram.GetValueAtPercentile(99.9),
            histogram.GetMaxValue(),
            histogram.GetMean());
    }
}
