using System.Text.Json;

namespace ClusterBroker.LoadTests.ClusterRun;

/// <summary>The JSON that `ClusterBroker.Benchmarks route-table --json FILE` writes (RouteTableMeasurement).</summary>
public sealed record RouteTableFigures(int Filters, int Nodes, string Runtime, IReadOnlyList<RouteTableFigures.Layout> Layouts)
{
    public sealed record Layout(string Name, int Entries, long StringBytes, long TableBytes, double TableBytesPerEntry, double StringBytesPerEntry, IReadOnlyList<Match> Matches);

    public sealed record Match(string Kind, double NodesPerMatch, double WallMedianNs, double WallMinNs, double CpuMedianNs, double CpuMinNs);

    public static RouteTableFigures? Load(string path)
    {
        if (!File.Exists(path))
        {
            return null;
        }

        using var document = JsonDocument.Parse(File.ReadAllText(path));
        var root = document.RootElement;
        var layouts = root.GetProperty("Layouts").EnumerateArray().Select(l => new Layout(
            l.GetProperty("Layout").GetString() ?? "?",
            l.GetProperty("Entries").GetInt32(),
            l.GetProperty("StringBytes").GetInt64(),
            l.GetProperty("TableBytes").GetInt64(),
            l.GetProperty("TableBytesPerEntry").GetDouble(),
            l.GetProperty("StringBytesPerEntry").GetDouble(),
            [.. l.GetProperty("Matches").EnumerateArray().Select(m => new Match(
                m.GetProperty("Kind").GetString() ?? "?",
                m.GetProperty("NodesPerMatch").GetDouble(),
                m.GetProperty("WallMedianNs").GetDouble(),
                m.GetProperty("WallMinNs").GetDouble(),
                m.GetProperty("CpuMedianNs").GetDouble(),
                m.GetProperty("CpuMinNs").GetDouble()))])).ToList();
        return new RouteTableFigures(root.GetProperty("Filters").GetInt32(), root.GetProperty("Nodes").GetInt32(), root.GetProperty("Runtime").GetString() ?? "?", layouts);
    }
}
