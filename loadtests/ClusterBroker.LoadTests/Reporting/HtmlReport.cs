using System.Net;
using System.Text;
using ClusterBroker.LoadTests.Scenarios;

namespace ClusterBroker.LoadTests.Reporting;

/// <summary>report.html: one self-contained page (inline CSS and SVG, no external assets).</summary>
public static class HtmlReport
{
    public static string Render(ScenarioResult r)
    {
        var html = new StringBuilder();
        html.Append("<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">");
        html.Append($"<title>{E(r.Scenario)} against {E(r.Broker)}</title>");
        html.Append("<style>body{font-family:sans-serif;max-width:820px;margin:2em auto;color:#222}table{border-collapse:collapse;margin:1em 0}")
            .Append("td,th{border:1px solid #ccc;padding:3px 8px;text-align:left}td.v{text-align:right;font-variant-numeric:tabular-nums}")
            .Append(".note{background:#fff3cd;padding:.5em 1em;border-left:4px solid #e0a800}figure{margin:1.5em 0}</style></head><body>");
        html.Append($"<h1>{E(r.Scenario)} against {E(r.Broker)}</h1>");
        html.Append($"<p>Started {r.StartedAt:yyyy-MM-dd HH:mm:ss} UTC, {Environment.ProcessorCount} cores. Figures exclude the warm-up (shaded in the charts).</p>");
        if (r.Note is not null)
        {
            html.Append($"<p class=\"note\">{E(r.Note)}</p>");
        }

        html.Append("<h2>Figures</h2><table><tr><th>section</th><th>figure</th><th>value</th></tr>");
        foreach (var row in ResultFigures.Rows(r))
        {
            html.Append($"<tr><td>{E(row.Section)}</td><td>{E(row.Name)}</td><td class=\"v\">{E(row.Value)}</td></tr>");
        }

        html.Append("</table><h2>Over time</h2>");
        foreach (var chart in TimelineCharts.Render(r))
        {
            html.Append("<figure>").Append(chart).Append("</figure>");
        }

        html.Append("<h2>Settings</h2><table>");
        foreach (var (name, value) in r.Settings)
        {
            html.Append($"<tr><td>{E(name)}</td><td>{E(value)}</td></tr>");
        }

        html.Append("</table></body></html>");
        return html.ToString();
    }

    private static string E(string text) => WebUtility.HtmlEncode(text);
}
