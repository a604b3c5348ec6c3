using ClusterBroker.LoadTests.Scenarios;

namespace ClusterBroker.LoadTests.Reporting;

/// <summary>The charts of a run: throughput (or connections), latency, CPU and broker memory over time.</summary>
public static class TimelineCharts
{
    public static IReadOnlyList<string> Render(ScenarioResult result)
    {
        var t = result.Timeline;
        var warmUpEnd = t.Where(p => p.WarmUp).Select(p => p.Second).DefaultIfEmpty(0).Max();
        var charts = new List<string>();
        if (result.Connect is not null)
        {
            charts.Add(SvgLineChart.Render("Open connections", "", [Series("open", "#1f77b4", t, p => p.Connections)]));
            charts.Add(SvgLineChart.Render("Connects per second", "/s", [Series("connected", "#2ca02c", t, p => p.SentPerSecond)]));
        }
        else
        {
            charts.Add(SvgLineChart.Render(
                "Throughput (messages per second)", "/s",
                [Series("sent", "#1f77b4", t, p => p.SentPerSecond), Series("delivered", "#2ca02c", t, p => p.ReceivedPerSecond)],
                warmUpEnd));
            if (result.Retained is null)
            {
                charts.Add(SvgLineChart.Render(
                    "End-to-end latency of messages received each second", "ms",
                    [Series("p50", "#2ca02c", t, p => p.P50Micros / 1000.0), Series("p99", "#ff7f0e", t, p => p.P99Micros / 1000.0), Series("max", "#d62728", t, p => p.MaxMicros / 1000.0)],
                    warmUpEnd));
            }
        }

        charts.Add(SvgLineChart.Render(
            "CPU (percent of one core; the machine has two)", "%",
            [Series("runner", "#9467bd", t, p => p.RunnerCpuPercent), Series("broker", "#8c564b", t, p => p.BrokerCpuPercent)],
            warmUpEnd));
        if (t.Any(p => p.BrokerRssBytes > 0))
        {
            charts.Add(SvgLineChart.Render("Broker resident memory", "MiB", [Series("RSS", "#17becf", t, p => p.BrokerRssBytes / 1048576.0)], warmUpEnd));
        }

        return charts;
    }

    private static ChartSeries Series(string name, string color, IReadOnlyList<TimelinePoint> points, Func<TimelinePoint, double> value) =>
        new(name, color, [.. points.Select(p => (p.Second, value(p)))]);
}
