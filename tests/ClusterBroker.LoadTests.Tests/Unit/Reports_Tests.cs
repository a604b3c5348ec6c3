using ClusterBroker.LoadTests.Compare;
using ClusterBroker.LoadTests.Measurement;
using ClusterBroker.LoadTests.Reporting;
using ClusterBroker.LoadTests.Scenarios;

namespace ClusterBroker.LoadTests.Tests.Unit;

public sealed class Reports_Tests
{
    private static ScenarioResult Result(string broker, double rate, long p99) => new()
    {
        Scenario = "fan-in",
        Broker = broker,
        Settings = new Dictionary<string, string> { ["qos"] = "1" },
        Sent = 100,
        Delivery = new DeliveryTotals(100, 100, 0, 0, 0, 0, 0),
        ReceiveRate = rate,
        Latency = new LatencySummary(100, 500, 900, p99, p99, p99, 600),
        Timeline =
        [
            new TimelinePoint(1, true, 50, 50, 400, 900, 1000, 30, 40, 10_000_000, 2),
            new TimelinePoint(2, false, 100, 100, 500, p99, p99, 35, 45, 11_000_000, 2),
        ],
    };

    [Fact]
    public void Html_report_is_self_contained_with_inline_svg_charts()
    {
        var html = HtmlReport.Render(Result("Mosquitto", 1000, 2000));

        Assert.Contains("<svg", html);
        Assert.Contains("<polyline", html);
        Assert.DoesNotContain("<script src", html);
        Assert.DoesNotContain("<link", html);
        Assert.DoesNotContain("src=\"http", html);
    }

    [Fact]
    public void Retained_report_gives_the_time_and_rate_of_publishing_the_set()
    {
        var latency = new LatencySummary(5, 300_000, 320_000, 330_000, 330_000, 330_000, 310_000);
        var result = Result("ClusterBroker", 50_000, 0) with
        {
            Scenario = "retained",
            Retained = new RetainedFigures(1000, 5, 5, 0.34, latency, PublishSeconds: 0.5),
        };

        Assert.Equal(2000, result.Retained!.PublishRate);
        Assert.Contains(ResultFigures.Rows(result), r => r.Name == "publishing the set (until all acknowledged)" && r.Value == $"{Units.Seconds(0.5)} ({Units.Rate(2000)})");
        Assert.DoesNotContain(ResultFigures.Rows(result with { Retained = new RetainedFigures(1000, 5, 5, 0.34, latency) }), r => r.Name.StartsWith("publishing the set", StringComparison.Ordinal));
    }

    [Fact]
    public void Markdown_report_lists_figures_settings_and_timeline()
    {
        var md = MarkdownReport.Render(Result("Mosquitto", 1000, 2000));

        Assert.Contains("| latency | end to end p99 / p99.9 / max | 2.00 ms / 2.00 ms / 2.00 ms |", md);
        Assert.Contains("| qos | 1 |", md);
        Assert.Contains("warm-up", md);
    }

    [Fact]
    public void Comparison_shows_ratios_of_ClusterBroker_to_each_other_broker_and_marks_missing_ones()
    {
        var steps = new[] { new ComparisonStep("fan-in", "fan-in", new()) };
        var runs = new[]
        {
            new BrokerRun("ClusterBroker", null, new Dictionary<string, ScenarioResult> { ["fan-in"] = Result("ClusterBroker", 2000, 1000) }),
            new BrokerRun("Mosquitto", null, new Dictionary<string, ScenarioResult> { ["fan-in"] = Result("Mosquitto", 1000, 2000) }),
            new BrokerRun("MQTTnet", "not built", new Dictionary<string, ScenarioResult>()),
        };

        var table = new ComparisonTable(steps, runs);
        var throughput = table.Rows().First(r => r[1] == "throughput (delivered)");
        var latency = table.Rows().First(r => r[1] == "latency p99");

        Assert.Equal(["fan-in", "throughput (delivered)", "2,000/s", "1,000/s", "not available", "2.00x", "n/a"], throughput);
        Assert.Equal("0.50x", latency[5]);
        Assert.Contains(table.Notes(), n => n.Contains("MQTTnet: not available"));
    }

    [Fact]
    public void Only_the_comparison_section_of_the_results_file_is_replaced()
    {
        const string text = "# Results\n\n## Benchmarks\n\nkeep me\n\n## Comparison\n\nold table\n\n## Soak\n\nkeep me too\n";

        var spliced = ResultsFileSection.Splice(text, "## Comparison", "## Comparison\n\nnew table\n");

        Assert.Equal("# Results\n\n## Benchmarks\n\nkeep me\n\n## Comparison\n\nnew table\n\n## Soak\n\nkeep me too\n", spliced);
        Assert.EndsWith("## Comparison\n\nnew\n", ResultsFileSection.Splice("# Results\n", "## Comparison", "## Comparison\n\nnew\n"));
    }
}
