using Spectre.Console;
using ClusterBroker.LoadTests.Scenarios;

namespace ClusterBroker.LoadTests.Reporting;

/// <summary>The final table printed in the terminal after a run.</summary>
public static class ResultTable
{
    public static Table Render(ScenarioResult result)
    {
        var table = new Table().Border(TableBorder.Rounded)
            .Title($"{Markup.Escape(result.Scenario)} against {Markup.Escape(result.Broker)}")
            .AddColumn("section").AddColumn("figure").AddColumn(new TableColumn("value").RightAligned());
        foreach (var row in ResultFigures.Rows(result))
        {
            table.AddRow(Markup.Escape(row.Section), Markup.Escape(row.Name), Markup.Escape(row.Value));
        }

        return table;
    }
}
