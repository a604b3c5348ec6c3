using System.Globalization;
using System.Text;
using ClusterBroker.LoadTests.Reporting;
using ClusterBroker.LoadTests.Scenarios;

namespace ClusterBroker.LoadTests.ClusterRun;

/// <summary>
/// The body of the "## Cluster" section of RESULTS.md: one node against three on this machine, same run; the
/// fan-out's forwards from the nodes' own $SYS counters; the route table's memory and match time; the targets.
/// Every figure comes from the run directory; a missing one reads "n/a".
/// </summary>
public static class ClusterReport
{
    /// <summary>Cross-node may add at most this much to p99 at a fixed rate.</summary>
    public const double P99BudgetMs = 1.0;

    /// <summary>Three nodes, cross-node, must reach this share of one node's full-speed throughput.</summary>
    public const double MinThroughputRatio = 0.70;

    /// <summary>A 1-minute load average above this (on two cores) means other work shared the machine during a step.</summary>
    public const double DisturbedLoad = 4.0;

    private static readonly CultureInfo C = CultureInfo.InvariantCulture;

    public static string Render(ClusterRunData d, string command, string routeTableCommand, DateTimeOffset started, TimeSpan elapsed, string machine)
    {
        var md = new StringBuilder();
        md.AppendLine(C, $"Run {started:yyyy-MM-dd HH:mm} UTC on {machine}; the whole run took {elapsed.TotalMinutes:0.0} min.");
        md.AppendLine();
        md.AppendLine("```");
        md.AppendLine(command);
        md.AppendLine("```");
        md.AppendLine();
        md.AppendLine("Load average (1/5/15 min) read before each step. The run itself keeps the two cores busy (runner and broker nodes share them), so only load well above ~2-3 means other work was running too, which inflates latencies and lowers full-speed throughput:");
        md.AppendLine();
        md.AppendLine("| before | started (UTC) | load average |");
        md.AppendLine("|---|---|---|");
        foreach (var (step, load, time) in d.Loads)
        {
            md.AppendLine(C, $"| {step} | {time} | {load} |");
        }

        md.AppendLine();
        md.AppendLine(C, $"Set-up, all in one run on this machine, loopback only: first one ClusterBroker.Host (Release, a cluster of one: its defaults), then three forming one cluster (each with the same seed list of all three, `--Cluster:StableAfter 00:00:05 --Broker:SysInterval 00:00:01`), each started only after the previous set was killed. The fixed-rate p2p staggers its publishers (`--stagger`: publisher i of P starts i/P of a message interval late), so 5,000 msg/s arrive evenly rather than as 500 messages at once every 100 ms. Each set first gets an unmeasured warm-up (p2p, 20 pairs, QoS 1, full speed, {WarmUpSeconds(d)}; cross-node on the cluster: long enough for the nodes' JIT to finish recompiling their hot methods). Cross-node: every pair's publisher and subscriber are on different nodes, the six directions between three nodes equally loaded (`--cross-node`, the default with several `--broker`). Before publishing, each run waits until a probe message of every publisher has reached all its receivers (routes reach the other nodes asynchronously); then warm-up, then the measured window. The three nodes, the runner and the OS share the **two cores**: three nodes do not get three times the CPU of one, they split the same two cores, and the runner needs as much as the brokers at full speed.");
        md.AppendLine("Lost means accepted by the broker (PUBACK) and never delivered by the end of the drain, counted per publisher and sequence number. CPU is percent of one core: the brokers' figure sums the nodes.");
        md.AppendLine();

        md.AppendLine("| scenario | figure | 1 node | 3 nodes, cross-node | 3 nodes / 1 node |");
        md.AppendLine("|---|---|---:|---:|---:|");
        Rows(md, Title("p2p", d.SingleP2p ?? d.ClusterP2p), d.SingleP2p, d.ClusterP2p);
        if (d.SingleP2p is { } s1 && d.ClusterP2p is { } c1 && Usable(s1) && Usable(c1))
        {
            md.AppendLine(C, $"| p2p | p99 added by crossing nodes | | {Ms(c1.Latency.P99 - s1.Latency.P99)} | |");
        }

        Rows(md, Title("p2p-max", d.SingleP2pMax ?? d.ClusterP2pMax), d.SingleP2pMax, d.ClusterP2pMax);
        if (d.ClusterFanOut is { } f)
        {
            Rows(md, Title("fan-out", f), null, f);
        }

        md.AppendLine();
        Forwarding(md, d);
        RouteTable(md, d.RouteTable, routeTableCommand);
        Targets(md, d);

        var notes = new List<string>(d.Notes);
        foreach (var (name, r) in new[] { ("1 node warm-up (not measured)", d.SingleWarmUp), ("3 nodes warm-up (not measured)", d.ClusterWarmUp) })
        {
            if (r is not null && (r.Delivery.Lost > 0 || r.Delivery.Duplicates > 0))
            {
                notes.Add($"{name}: the runner reported {Units.Count(r.Delivery.Lost)} lost ({Units.Ratio(r.Delivery.LossRatio)}) and {Units.Count(r.Delivery.Duplicates)} duplicates of {Units.Count(r.Delivery.Expected)} expected, at {Units.Rate(r.ReceiveRate)} delivered");
            }
        }

        foreach (var (name, r) in new[] { ("1 node p2p", d.SingleP2p), ("1 node p2p-max", d.SingleP2pMax), ("3 nodes p2p", d.ClusterP2p), ("3 nodes p2p-max", d.ClusterP2pMax), ("3 nodes fan-out", d.ClusterFanOut) })
        {
            if (r is null)
            {
                notes.Add($"{name}: no result (the step did not run or did not finish)");
            }
            else if (r.Note is not null)
            {
                notes.Add($"{name}: {r.Note}");
            }
        }

        if (d.Compactions.Count > 0)
        {
            notes.Add("Heap compactions (one blocking full collection after a burst of >= 1,000 connections, `Host:CompactHeapAfterConnectionBursts`, from the nodes' debug log; compare with the step start times above): " + string.Join("; ", d.Compactions));
        }

        if (notes.Count > 0)
        {
            md.AppendLine();
            md.AppendLine("Notes:");
            md.AppendLine();
            foreach (var note in notes)
            {
                md.AppendLine($"- {note}");
            }
        }

        return md.ToString();
    }

    private static void Rows(StringBuilder md, string scenario, ScenarioResult? single, ScenarioResult? cluster)
    {
        string Cell(ScenarioResult? r, Func<ScenarioResult, string> value) => r is null ? "n/a" : r.Failed ? "failed" : value(r);
        string RatioOf(Func<ScenarioResult, double> value) =>
            single is { Failed: false } s && cluster is { Failed: false } c && value(s) > 0 ? (value(c) / value(s)).ToString("0.00x", C) : string.Empty;

        md.AppendLine(C, $"| {scenario} | throughput (delivered) | {Cell(single, r => Units.Rate(r.ReceiveRate))} | {Cell(cluster, r => Units.Rate(r.ReceiveRate))} | {RatioOf(r => r.ReceiveRate)} |");
        md.AppendLine(C, $"| {scenario} | publishes accepted | {Cell(single, r => Units.Rate(r.SendRate))} | {Cell(cluster, r => Units.Rate(r.SendRate))} | {RatioOf(r => r.SendRate)} |");
        md.AppendLine(C, $"| {scenario} | latency p50 / p99 / p99.9 | {Cell(single, Latency)} | {Cell(cluster, Latency)} | {RatioOf(r => r.Latency.P99)} |");
        md.AppendLine(C, $"| {scenario} | lost / duplicates / out of order | {Cell(single, Losses)} | {Cell(cluster, Losses)} | |");
        md.AppendLine(C, $"| {scenario} | CPU brokers / runner | {Cell(single, Cpu)} | {Cell(cluster, Cpu)} | |");
    }

    private static string Latency(ScenarioResult r) => $"{Ms(r.Latency.P50)} / {Ms(r.Latency.P99)} / {Ms(r.Latency.P999)}";

    private static string Losses(ScenarioResult r) => $"{Units.Count(r.Delivery.Lost)} / {Units.Count(r.Delivery.Duplicates)} / {Units.Count(r.Delivery.OutOfOrder)}";

    private static string Cpu(ScenarioResult r) => $"{Units.Percent(r.BrokerCpuPercent)} / {Units.Percent(r.RunnerCpuPercent)}";

    /// <summary>How long the unmeasured warm-ups ran (e.g. "30 s"), from their own results.</summary>
    private static string WarmUpSeconds(ClusterRunData d) =>
        (d.ClusterWarmUp ?? d.SingleWarmUp) is { } r ? r.MeasuredSeconds.ToString("0 s", C) : "n/a";

    private static string Ms(long micros) => (micros / 1000.0).ToString("0.00 ms", C);

    private static bool Usable(ScenarioResult r) => !r.Failed && r.Latency.Count > 0;

    private static string Title(string key, ScenarioResult? r)
    {
        if (r is null)
        {
            return key;
        }

        string Setting(string name) => r.Settings.TryGetValue(name, out var v) ? v : "?";
        return key switch
        {
            "fan-out" => $"fan-out: {r.Publishers} publisher -> {r.Subscribers} subscribers, QoS {Setting("qos")}, {Setting("rate")}",
            _ => $"{key}: {r.Publishers} pairs, QoS {Setting("qos")}, {Setting("rate")}",
        };
    }

    private static void Forwarding(StringBuilder md, ClusterRunData d)
    {
        if (d.Forwarding is not { } f || d.ClusterFanOut is not { } run)
        {
            md.AppendLine("Fan-out forwarding: n/a (no fan-out result or $SYS readings).");
            md.AppendLine();
            return;
        }

        md.AppendLine(C, $"Fan-out across the three nodes: the publisher on node {f.PublisherNode + 1}, subscribers round robin over nodes 1-3. Each node's retained $SYS counters were read with mosquitto_sub just before the fan-out run and again after it (once two readings a SysInterval apart agreed); the table shows the growth. \"Published\" is the growth of node {f.PublisherNode + 1}'s `$SYS/broker/messages/received` (PUBLISH packets from clients, route probes included; the runner counted {Units.Count(run.Sent)} accepted plus {Units.Count(run.ProbesSent)} probe message(s)). Deliveries are counted by the runner at the subscribers of each node (unique; probes excluded, but added back for deliveries per forward, since probes were forwarded too).");
        md.AppendLine();
        md.AppendLine("| node | publishers / subscribers | PUBLISH from clients | forwards sent | forwards received | forward batches | deliveries (runner) + probes | deliveries per forward received |");
        md.AppendLine("|---|---:|---:|---:|---:|---:|---:|---:|");
        for (var i = 0; i < f.Nodes.Count; i++)
        {
            var n = f.Nodes[i];
            md.AppendLine(C, $"| {i + 1} | {n.Publishers} / {n.Subscribers} | {Count(n.PublishesReceived)} | {Count(n.ForwardsSent)} | {Count(n.ForwardsReceived)} | {Count(n.Batches)} | {Units.Count(n.Deliveries)} + {Units.Count(n.ProbeDeliveries)} | {(n.DeliveriesPerForward is { } x ? x.ToString("0.00", C) : "n/a")} |");
        }

        md.AppendLine();
        var perRemote = f.ForwardsPerMessagePerRemoteNode;
        md.AppendLine(C, $"Forwards per published message per remote node with subscribers: **{(perRemote is { } p ? p.ToString("0.000", C) : "n/a")}** ({Count(f.Nodes[f.PublisherNode].ForwardsSent)} forwards / {Count(f.Published)} published / {f.RemoteNodesWithSubscribers} remote nodes); forwards received per published message: {string.Join(", ", f.ReceivedPerMessage().Select(x => $"node {x.Node + 1} {(x.PerMessage is { } v ? v.ToString("0.000", C) : "n/a")}"))}.");
        md.AppendLine();
    }

    private static string Count(long? value) => value is { } v ? Units.Count(v) : "n/a";

    private static void RouteTable(StringBuilder md, RouteTableFigures? t, string command)
    {
        md.AppendLine("### Route table memory and match time");
        md.AppendLine();
        md.AppendLine("```");
        md.AppendLine(command);
        md.AppendLine("```");
        md.AppendLine();
        if (t is null)
        {
            md.AppendLine("n/a: the measurement did not run or wrote no result.");
            md.AppendLine();
            return;
        }

        md.AppendLine(C, $"`ClusterRouteTable` (src/ClusterBroker.Cluster/Routing/ClusterRouteTable.cs) filled with {t.Filters:N0} distinct filters announced by {t.Nodes} remote nodes (`RemoteNode` with an Akka `UniqueAddress` and `ActorRefs.Nobody`), measured in its own process (loadtests/ClusterBroker.Benchmarks/RouteTableMeasurement.cs, .NET {t.Runtime}, workstation GC). Filters: one per vehicle, even vehicles `fleet/{{region}}/{{vehicle}}/telemetry`, odd ones `fleet/+/{{vehicle}}/telemetry` (half with a `+` level; 99 regions). Layout *spread*: each filter announced by one node (filter i by node i mod {t.Nodes}); *every node*: each filter announced by all {t.Nodes}. The filter strings exist once per (filter, node), as each node's route deltas bring their own copy. Heap is `GC.GetTotalMemory(true)` after full compacting collections: before the strings, after them, after the table.");
        md.AppendLine();
        md.AppendLine("| layout | (filter, node) entries | table only | per entry, strings excluded | per entry, strings included |");
        md.AppendLine("|---|---:|---:|---:|---:|");
        foreach (var l in t.Layouts)
        {
            md.AppendLine(C, $"| {l.Name} | {l.Entries:N0} | {Units.Bytes(l.TableBytes)} | **{l.TableBytesPerEntry:0.0} B** | {l.TableBytesPerEntry + l.StringBytesPerEntry:0.0} B |");
        }

        md.AppendLine();
        md.AppendLine("Match: `ClusterRouteTable.Match` per topic, 4,096 random topics of one kind, 48 passes a round, 9 rounds after a warm-up round; wall time and the thread's CPU time (CLOCK_THREAD_CPUTIME_ID, which leaves out time the other processes took on the same cores), median and fastest round. Topics `fleet/{region}/{vehicle}/telemetry`: of a vehicle with an exact filter, of one with a `+` filter, of an unknown vehicle.");
        md.AppendLine();
        md.AppendLine("| layout | topic | nodes found per match | wall, median (fastest) | CPU, median (fastest) |");
        md.AppendLine("|---|---|---:|---:|---:|");
        foreach (var l in t.Layouts)
        {
            foreach (var m in l.Matches)
            {
                md.AppendLine(C, $"| {l.Name} | {m.Kind} | {m.NodesPerMatch:0.00} | {m.WallMedianNs:N0} ns ({m.WallMinNs:N0}) | {m.CpuMedianNs:N0} ns ({m.CpuMinNs:N0}) |");
            }
        }

        md.AppendLine();
    }

    private static void Targets(StringBuilder md, ClusterRunData d)
    {
        md.AppendLine("### Targets");
        md.AppendLine();
        if (d.SingleP2p is { } s && d.ClusterP2p is { } c && Usable(s) && Usable(c))
        {
            var added = (c.Latency.P99 - s.Latency.P99) / 1000.0;
            md.AppendLine(C, $"- p2p at a fixed rate, cross-node adds <= {P99BudgetMs:0} ms to p99: **{(added <= P99BudgetMs ? "met" : "not met")}** ({Ms(s.Latency.P99)} on one node, {Ms(c.Latency.P99)} on three, {added:+0.00;-0.00} ms){Disturbed(d, "single p2p", "cluster p2p")}.");
        }
        else
        {
            md.AppendLine("- p2p p99 budget: not measured (a run is missing or failed).");
        }

        if (d.SingleP2pMax is { Failed: false } sm && d.ClusterP2pMax is { Failed: false } cm && sm.ReceiveRate > 0)
        {
            var ratio = cm.ReceiveRate / sm.ReceiveRate;
            md.AppendLine(C, $"- p2p-max, three nodes cross-node >= {MinThroughputRatio:0%} of one node: **{(ratio >= MinThroughputRatio ? "met" : "not met")}** ({ratio:0.0%}: {Units.Rate(cm.ReceiveRate)} vs {Units.Rate(sm.ReceiveRate)}; three nodes and the runner share two cores){Disturbed(d, "single p2p-max", "cluster p2p-max")}.");
        }
        else
        {
            md.AppendLine("- p2p-max ratio: not measured (a run is missing or failed).");
        }

        if (d.Forwarding?.ForwardsPerMessagePerRemoteNode is { } perRemote)
        {
            var exact = Math.Abs(perRemote - 1.0) < 0.0005 && d.Forwarding.ReceivedPerMessage().All(x => x.PerMessage is { } v && Math.Abs(v - 1.0) < 0.0005);
            md.AppendLine(C, $"- Fan-out, <= 1 forward per published message per remote node (exactly 1 expected): **{(perRemote <= 1.0005 ? "met" : "not met")}** ({perRemote:0.000}; {(exact ? "exactly one forward to, and received by, each remote node with subscribers" : "NOT exactly one per remote node: see the table")}).");
        }
        else
        {
            md.AppendLine("- Fan-out forwards: not measured.");
        }

        var runs = new[] { d.SingleP2p, d.SingleP2pMax, d.ClusterP2p, d.ClusterP2pMax, d.ClusterFanOut }.Where(r => r is not null).Select(r => r!).ToList();
        var warmUps = new[] { d.SingleWarmUp, d.ClusterWarmUp }.Where(r => r is not null).Select(r => r!).ToList();
        md.AppendLine(C, $"- Loss / duplicates reported by the runner over all {runs.Count} measured runs: {Units.Count(runs.Sum(r => r.Delivery.Lost))} / {Units.Count(runs.Sum(r => r.Delivery.Duplicates))}; over the {warmUps.Count} unmeasured warm-ups: {Units.Count(warmUps.Sum(r => r.Delivery.Lost))} / {Units.Count(warmUps.Sum(r => r.Delivery.Duplicates))}.");
    }

    /// <summary>"; disturbed: ..." when the load average before either step says other work shared the machine.</summary>
    private static string Disturbed(ClusterRunData d, string single, string cluster)
    {
        var loads = new[] { d.LoadBefore(single), d.LoadBefore(cluster) };
        return loads.Any(l => l > DisturbedLoad)
            ? string.Create(C, $"; **not conclusive**: 1-minute load average {loads[0]:0.0} before the one-node run and {loads[1]:0.0} before the three-node run, other work shared the two cores")
            : string.Create(C, $"; 1-minute load average {loads[0]:0.0} and {loads[1]:0.0} before the runs");
    }
}
