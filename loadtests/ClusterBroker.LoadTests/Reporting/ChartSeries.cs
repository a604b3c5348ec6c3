namespace ClusterBroker.LoadTests.Reporting;

/// <summary>One line of a chart: name, CSS colour and (x, y) points.</summary>
public sealed record ChartSeries(string Name, string Color, IReadOnlyList<(double X, double Y)> Points);
