using System.Text;
using ClusterBroker.LoadTests.Scenarios;

namespace ClusterBroker.LoadTests.Reporting;

/// <summary>report.md: settings, figures and the per-second timeline as tables.</summary>
public static class MarkdownReport
{
    public static string Render(ScenarioResult r)
    {
        var md = new StringBuilder();
        md.AppendLine($"# {r.Scenario} against {r.Broker}");
        md.AppendLine();
        md.AppendLine($"Started {r.StartedAt:yyyy-MM-dd HH:mm:ss} UTC on {Environment.ProcessorCount} cores ({Environment.OSVersion}).");
        if (r.Note is not null)
        {
            md.AppendLine();
            md.AppendLine($"> **Note:** {r.Note}");
        }

        md.AppendLine();
        md.AppendLine("## Figures");
        md.AppendLine();
        md.AppendLine("| section | figure | value |");
        md.AppendLine("|---|---|---:|");
        foreach (var row in ResultFigures.Rows(r))
        {
            md.AppendLine($"| {row.Section} | {row.Name} | {row.Value} |");
        }

        md.AppendLine();
        md.AppendLine("## Settings");
        md.AppendLine();
        md.AppendLine("| setting | value |");
        md.AppendLine("|---|---|");
        foreach (var (name, value) in r.Settings)
        {
            md.AppendLine($"| {name} | {value} |");
        }

        md.AppendLine();
        md.AppendLine("## Timeline");
        md.AppendLine();
        md.AppendLine("| s | phase | sent/s | delivered/s | p50 | p99 | max | CPU runner | CPU broker | broker RSS | connections |");
        md.AppendLine("|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var p in r.Timeline)
        {
            md.AppendLine($"| {p.Second:0.0} | {(p.WarmUp ? "warm-up" : "")} | {Units.Count(p.SentPerSecond)} | {Units.Count(p.ReceivedPerSecond)} | {Units.Millis(p.P50Micros)} | {Units.Millis(p.P99Micros)} | {Units.Millis(p.MaxMicros)} | {Units.Percent(p.RunnerCpuPercent)} | {Units.Percent(p.BrokerCpuPercent)} | {Units.Bytes(p.BrokerRssBytes)} | {Units.Count(p.Connections)} |");
        }

        return md.ToString();
    }
}
