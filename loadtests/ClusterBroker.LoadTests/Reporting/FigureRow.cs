namespace ClusterBroker.LoadTests.Reporting;

/// <summary>One line of a result table: section, what, value.</summary>
public sealed record FigureRow(string Section, string Name, string Value);
