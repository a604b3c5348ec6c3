using ClusterBroker.LoadTests.Scenarios;

namespace ClusterBroker.LoadTests.Reporting;

/// <summary>Writes a run's report.md, report.html and result.json into DIR/&lt;scenario&gt;-&lt;broker&gt;/.</summary>
public static class ReportWriter
{
    public static string Write(ScenarioResult result, string directory, string? name = null)
    {
        var folder = Path.Combine(directory, $"{name ?? result.Scenario}-{Safe(result.Broker)}");
        Directory.CreateDirectory(folder);
        File.WriteAllText(Path.Combine(folder, "report.md"), MarkdownReport.Render(result));
        File.WriteAllText(Path.Combine(folder, "report.html"), HtmlReport.Render(result));
        File.WriteAllText(Path.Combine(folder, "result.json"), ResultJson.Serialize(result));
        return folder;
    }

    private static string Safe(string name) => string.Concat(name.Select(c => char.IsLetterOrDigit(c) || c is '-' or '.' ? c : '_'));
}
