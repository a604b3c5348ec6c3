using System.Globalization;
using System.Text;
using ClusterBroker.LoadTests.Reporting;
using ClusterBroker.LoadTests.Scenarios;

namespace ClusterBroker.LoadTests.Compare;

/// <summary>
/// One table over all brokers: absolute figures per broker, then the ratio ClusterBroker / other for
/// each other broker. "not available" where a broker could not be started; "failed" where a run gave no figure.
/// </summary>
public sealed class ComparisonTable
{
    public const string SubjectLabel = "ClusterBroker";

    private readonly IReadOnlyList<ComparisonStep> _steps;
    private readonly IReadOnlyList<BrokerRun> _runs;

    public ComparisonTable(IReadOnlyList<ComparisonStep> steps, IReadOnlyList<BrokerRun> runs)
    {
        _steps = steps;
        _runs = runs;
    }

    public IReadOnlyList<string> Header()
    {
        var header = new List<string> { "scenario", "figure" };
        header.AddRange(_runs.Select(r => r.Label));
        header.AddRange(Others().Select(o => $"{SubjectLabel} / {o.Label}"));
        return header;
    }

    public IReadOnlyList<IReadOnlyList<string>> Rows()
    {
        var rows = new List<IReadOnlyList<string>>();
        foreach (var step in _steps)
        {
            foreach (var metric in ComparisonMetrics.For(step))
            {
                var row = new List<string> { step.Key, metric.Name };
                row.AddRange(_runs.Select(r => Cell(r, metric)));
                var subject = Subject() is { } s ? Value(s, metric) : null;
                row.AddRange(Others().Select(o => Ratio(subject, Value(o, metric))));
                rows.Add(row);
            }
        }

        return rows;
    }

    public IReadOnlyList<string> Notes()
    {
        var notes = new List<string>();
        foreach (var run in _runs)
        {
            if (run.Unavailable is not null)
            {
                notes.Add($"{run.Label}: not available ({run.Unavailable}).");
            }

            foreach (var (scenario, result) in run.Results)
            {
                if (result.Note is not null)
                {
                    notes.Add($"{run.Label}, {scenario}: {result.Note}.");
                }

            }
        }

        return notes;
    }

    public string ToMarkdown()
    {
        var md = new StringBuilder();
        var header = Header();
        md.AppendLine($"| {string.Join(" | ", header)} |");
        md.AppendLine($"|{string.Join("|", header.Select((_, i) => i < 2 ? "---" : "---:"))}|");
        foreach (var row in Rows())
        {
            md.AppendLine($"| {string.Join(" | ", row)} |");
        }

        return md.ToString();
    }

    private BrokerRun? Subject() => _runs.FirstOrDefault(r => r.Label == SubjectLabel);

    private IEnumerable<BrokerRun> Others() => _runs.Where(r => r.Label != SubjectLabel);

    private static double? Value(BrokerRun run, ComparisonMetric metric) =>
        run.Results.TryGetValue(metric.Step, out var result) && !result.Failed && !Unsupported(result) ? metric.Read(result) : null;

    private static bool Unsupported(ScenarioResult result) => result.Unsupported;

    private static string Cell(BrokerRun run, ComparisonMetric metric)
    {
        if (!run.Results.TryGetValue(metric.Step, out var result))
        {
            return "not available";
        }

        if (result.Failed)
        {
            return "failed";
        }

        if (Unsupported(result))
        {
            return "unsupported";
        }

        if (metric.Read(result) is not { } value)
        {
            return "n/a";
        }

        return metric.Display?.Invoke(result) ?? metric.Format(value);
    }

    private static string Ratio(double? subject, double? other) =>
        subject is { } s && other is { } o && o != 0 ? (s / o).ToString("0.00", CultureInfo.InvariantCulture) + "x" : "n/a";
}
