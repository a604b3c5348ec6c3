using ClusterBroker.LoadTests.Reporting;
using ClusterBroker.LoadTests.Scenarios;

namespace ClusterBroker.LoadTests.ClusterRun;

/// <summary>
/// What loadtests/cluster.sh leaves in its run directory, read back for the "## Cluster" section:
/// single/{p2p,p2p-max}/…/result.json, cluster/{p2p,p2p-max,fan-out}/…/result.json, cluster/sys-{before,after}-node{1..3}.txt
/// (mosquitto_sub -v of each node's $SYS counters around the fan-out), route-table.json and load.txt
/// ("step&lt;TAB&gt;load average" per line). Missing pieces stay null: the section says so.
/// </summary>
public sealed record ClusterRunData
{
    public ScenarioResult? SingleWarmUp { get; init; }
    public ScenarioResult? ClusterWarmUp { get; init; }
    public ScenarioResult? SingleP2p { get; init; }
    public ScenarioResult? SingleP2pMax { get; init; }
    public ScenarioResult? ClusterP2p { get; init; }
    public ScenarioResult? ClusterP2pMax { get; init; }
    public ScenarioResult? ClusterFanOut { get; init; }
    public FanOutForwarding? Forwarding { get; init; }
    public RouteTableFigures? RouteTable { get; init; }
    /// <summary>Per step: its name, the load average read before it, and the time (UTC) it started.</summary>
    public IReadOnlyList<(string Step, string Load, string Time)> Loads { get; init; } = [];

    /// <summary>The nodes' "Compacted the heap" debug lines (a blocking collection), prefixed with the node.</summary>
    public IReadOnlyList<string> Compactions { get; init; } = [];
    public IReadOnlyList<string> Notes { get; init; } = [];

    public static ClusterRunData Load(string directory, int nodes)
    {
        var fanOut = Result(directory, "cluster", "fan-out");
        FanOutForwarding? forwarding = null;
        if (fanOut is not null)
        {
            var before = Enumerable.Range(1, nodes).Select(n => SysSnapshot.Load(Path.Combine(directory, "cluster", $"sys-before-node{n}.txt"))).ToList();
            var after = Enumerable.Range(1, nodes).Select(n => SysSnapshot.Load(Path.Combine(directory, "cluster", $"sys-after-node{n}.txt"))).ToList();
            forwarding = FanOutForwarding.From(before, after, fanOut.PublishersPerBroker, fanOut.SubscribersPerBroker, fanOut.DeliveriesPerBroker, fanOut.ProbeDeliveriesPerBroker);
        }

        var loadFile = Path.Combine(directory, "load.txt");
        var loads = File.Exists(loadFile)
            ? File.ReadAllLines(loadFile).Select(l => l.Split('\t')).Where(p => p.Length >= 2).Select(p => (p[0], p[1], p.Length > 2 ? p[2] : string.Empty)).ToList()
            : [];
        var compactionsFile = Path.Combine(directory, "compactions.txt");
        var notesFile = Path.Combine(directory, "notes.txt");
        return new ClusterRunData
        {
            SingleWarmUp = Result(directory, "single", "warm-up"),
            ClusterWarmUp = Result(directory, "cluster", "warm-up"),
            SingleP2p = Result(directory, "single", "p2p"),
            SingleP2pMax = Result(directory, "single", "p2p-max"),
            ClusterP2p = Result(directory, "cluster", "p2p"),
            ClusterP2pMax = Result(directory, "cluster", "p2p-max"),
            ClusterFanOut = fanOut,
            Forwarding = forwarding,
            RouteTable = RouteTableFigures.Load(Path.Combine(directory, "route-table.json")),
            Loads = loads,
            Compactions = File.Exists(compactionsFile) ? [.. File.ReadAllLines(compactionsFile).Where(l => l.Length > 0)] : [],
            Notes = File.Exists(notesFile) ? [.. File.ReadAllLines(notesFile).Where(l => l.Length > 0)] : [],
        };
    }

    /// <summary>The 1-minute load average read before <paramref name="step"/> ("single p2p", ...), if recorded.</summary>
    public double? LoadBefore(string step)
    {
        foreach (var (name, load, _) in Loads)
        {
            if (name == step && double.TryParse(load.Split('/')[0].Trim(), System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var value))
            {
                return value;
            }
        }

        return null;
    }

    private static ScenarioResult? Result(string directory, string phase, string key)
    {
        var folder = Path.Combine(directory, phase, key);
        var file = Directory.Exists(folder) ? Directory.EnumerateFiles(folder, "result.json", SearchOption.AllDirectories).FirstOrDefault() : null;
        return file is null ? null : ResultJson.Deserialize(File.ReadAllText(file));
    }
}
