using System.Globalization;
using System.Net;
using System.Text;

namespace ClusterBroker.LoadTests.Reporting;

/// <summary>
/// A self-contained inline SVG line chart: axes with five ticks each, a grid, one polyline per series
/// (every second one dashed, so equal lines stay visible), a legend, and an optional shaded band (the warm-up, excluded from the figures).
/// </summary>
public static class SvgLineChart
{
    private const int Width = 760;
    private const int Height = 280;
    private const int Left = 70;
    private const int Right = 20;
    private const int Top = 36;
    private const int Bottom = 40;

    public static string Render(string title, string yUnit, IReadOnlyList<ChartSeries> series, double? shadeUntilX = null)
    {
        var points = series.SelectMany(s => s.Points).ToList();
        var maxX = points.Count == 0 ? 1 : Math.Max(1, points.Max(p => p.X));
        var maxY = NiceCeiling(points.Count == 0 ? 1 : Math.Max(1e-9, points.Max(p => p.Y)));
        double X(double x) => Left + (x / maxX * (Width - Left - Right));
        double Y(double y) => Height - Bottom - (y / maxY * (Height - Top - Bottom));

        var svg = new StringBuilder();
        svg.Append(Invariant($"<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {Width} {Height}\" width=\"{Width}\" height=\"{Height}\" role=\"img\" font-family=\"sans-serif\" font-size=\"11\">"));
        svg.Append(Invariant($"<text x=\"{Left}\" y=\"20\" font-size=\"14\" font-weight=\"bold\">{Escape(title)}</text>"));
        if (shadeUntilX is { } shade && shade > 0)
        {
            svg.Append(Invariant($"<rect x=\"{Left}\" y=\"{Top}\" width=\"{X(Math.Min(shade, maxX)) - Left:F1}\" height=\"{Height - Top - Bottom}\" fill=\"#eee\"><title>warm-up (excluded)</title></rect>"));
        }

        for (var i = 0; i <= 5; i++)
        {
            var yValue = maxY * i / 5;
            var y = Y(yValue);
            svg.Append(Invariant($"<line x1=\"{Left}\" y1=\"{y:F1}\" x2=\"{Width - Right}\" y2=\"{y:F1}\" stroke=\"#ddd\"/>"));
            svg.Append(Invariant($"<text x=\"{Left - 6}\" y=\"{y + 4:F1}\" text-anchor=\"end\">{Escape(Label(yValue))} {Escape(yUnit)}</text>"));
            var xValue = maxX * i / 5;
            svg.Append(Invariant($"<text x=\"{X(xValue):F1}\" y=\"{Height - Bottom + 16}\" text-anchor=\"middle\">{xValue:0.#} s</text>"));
        }

        svg.Append(Invariant($"<line x1=\"{Left}\" y1=\"{Height - Bottom}\" x2=\"{Width - Right}\" y2=\"{Height - Bottom}\" stroke=\"#333\"/>"));
        svg.Append(Invariant($"<line x1=\"{Left}\" y1=\"{Top}\" x2=\"{Left}\" y2=\"{Height - Bottom}\" stroke=\"#333\"/>"));

        var legendX = Width - Right - 10;
        for (var s = series.Count - 1; s >= 0; s--)
        {
            var line = series[s];
            if (line.Points.Count > 0)
            {
                var coordinates = string.Join(' ', line.Points.Select(p => Invariant($"{X(p.X):F1},{Y(p.Y):F1}")));
                var dash = s % 2 == 1 ? " stroke-dasharray=\"6 3\"" : string.Empty;
                svg.Append(Invariant($"<polyline fill=\"none\" stroke=\"{line.Color}\" stroke-width=\"2\"{dash} points=\"{coordinates}\"/>"));
            }

            legendX -= 8 + (7 * line.Name.Length);
            svg.Append(Invariant($"<rect x=\"{legendX}\" y=\"12\" width=\"10\" height=\"10\" fill=\"{line.Color}\"/>"));
            svg.Append(Invariant($"<text x=\"{legendX + 14}\" y=\"21\">{Escape(line.Name)}</text>"));
            legendX -= 20;
        }

        svg.Append("</svg>");
        return svg.ToString();
    }

    private static double NiceCeiling(double value)
    {
        var magnitude = Math.Pow(10, Math.Floor(Math.Log10(value)));
        foreach (var step in new[] { 1, 2, 2.5, 5, 10 })
        {
            if (step * magnitude >= value)
            {
                return step * magnitude;
            }
        }

        return 10 * magnitude;
    }

    private static string Label(double value) => value switch
    {
        >= 1_000_000 => Invariant($"{value / 1_000_000:0.#}M"),
        >= 10_000 => Invariant($"{value / 1000:0.#}k"),
        >= 10 => Invariant($"{value:0}"),
        _ => Invariant($"{value:0.##}"),
    };

    private static string Escape(string text) => WebUtility.HtmlEncode(text);

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
