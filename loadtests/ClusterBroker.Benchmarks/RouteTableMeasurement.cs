using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text.Json;
using Akka.Actor;
using Akka.Cluster;
using ClusterBroker.Cluster.Routing;
using ClusterBroker.Core.Routing;

namespace ClusterBroker.Benchmarks;

/// <summary>
/// Memory and match time of the cluster route table (<see cref="ClusterRouteTable"/>) at 10^6 filters announced
/// by remote nodes: <c>dotnet run -c Release --project loadtests/ClusterBroker.Benchmarks -- route-table [--filters N] [--nodes 3] [--json FILE]</c>.
/// </summary>
/// <remarks>
/// <para>Filters are device topics of a vehicle fleet, one per vehicle: even vehicles
/// <c>fleet/{region}/{vehicle}/telemetry</c>, odd vehicles <c>fleet/+/{vehicle}/telemetry</c> (a vehicle followed
/// across regions), so half have a <c>+</c> level; 99 regions, so a region holds ~5,000 exact children and the
/// <c>+</c> level 500,000.</para>
/// <para>Two layouts: <b>spread</b>, each filter announced by one of the nodes (filter i by node i mod nodes: a device's
/// subscriber lives on one node), 10^6 (filter, node) entries; <b>every node</b>, each filter announced by all nodes,
/// nodes x 10^6 entries. The filter strings are created first, one instance per (filter, node) as route deltas
/// arriving from each node would deserialize them, then added with <see cref="ClusterRouteTable.Add"/> node by node.
/// Memory is <see cref="GC.GetTotalMemory(bool)"/> after a full collection: before the strings, after the strings,
/// after the table; "table only" is the growth from the strings to the table (the strings excluded), "with strings"
/// the growth from before the strings.</para>
/// <para>Match time: <see cref="ClusterRouteTable.Match"/> over 4,096 random topics of one kind, 48 passes per round,
/// 9 rounds after one warm-up round; wall time and the thread's CPU time (CLOCK_THREAD_CPUTIME_ID, so time spent
/// by other processes on the same cores is not counted) per match, the median and the fastest round.</para>
/// </remarks>
public static class RouteTableMeasurement
{
    private const int Regions = 99;
    private const int TopicsPerRound = 4096;
    private const int PassesPerRound = 48;
    private const int Rounds = 9;

    public static int Run(string[] args)
    {
        int filters = IntOption(args, "--filters", 1_000_000);
        int nodeCount = IntOption(args, "--nodes", 3);
        string? json = Option(args, "--json");
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"// RouteTable: {filters:N0} filters, {nodeCount} remote nodes, .NET {Environment.Version}, {Environment.ProcessorCount} cores, server GC {System.Runtime.GCSettings.IsServerGC}"));

        var layouts = new List<LayoutResult>
        {
            Measure("spread", filters, nodeCount, everyNode: false),
            Measure("every node", filters, nodeCount, everyNode: true),
        };

        foreach (LayoutResult r in layouts)
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"// RouteTable {r.Layout}: {r.Entries:N0} entries; strings {r.StringBytes:N0} B; table {r.TableBytes:N0} B = {r.TableBytesPerEntry:0.0} B/entry; with strings {r.TableBytesPerEntry + r.StringBytesPerEntry:0.0} B/entry"));
            foreach (MatchResult m in r.Matches)
            {
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"// RouteTable {r.Layout} match {m.Kind}: {m.NodesPerMatch:0.00} nodes/match; wall median {m.WallMedianNs:0} ns (fastest {m.WallMinNs:0}); CPU median {m.CpuMedianNs:0} ns (fastest {m.CpuMinNs:0})"));
            }
        }

        if (json is not null)
        {
            File.WriteAllText(json, JsonSerializer.Serialize(new RouteTableReport(filters, nodeCount, Environment.Version.ToString(), layouts), new JsonSerializerOptions { WriteIndented = true }));
        }

        return 0;
    }

    private static LayoutResult Measure(string layout, int filters, int nodeCount, bool everyNode)
    {
        RemoteNode[] nodes = [.. Enumerable.Range(0, nodeCount).Select(n =>
            new RemoteNode(new UniqueAddress(new Address("akka.tcp", "cluster-broker", "10.0.0." + (n + 1).ToString(CultureInfo.InvariantCulture), 4053), 1000 + n), ActorRefs.Nobody))];

        long before = Settle();
        // One string instance per (filter, node): each node's deltas bring their own copy.
        var perNode = new string[nodeCount][];
        for (int n = 0; n < nodeCount; n++)
        {
            var list = new List<string>(everyNode ? filters : filters / nodeCount + 1);
            for (int i = 0; i < filters; i++)
            {
                if (everyNode || i % nodeCount == n)
                {
                    list.Add(Filter(i));
                }
            }

            perNode[n] = [.. list];
        }

        // The arrays holding the strings are not the strings: 8 B per reference plus the array header.
        long arrays = perNode.Sum(a => 24L + (8L * a.Length));
        long withStrings = Settle() - arrays;
        var table = new ClusterRouteTable();
        for (int n = 0; n < nodeCount; n++)
        {
            foreach (string filter in perNode[n])
            {
                table.Add(nodes[n], new RouteKey(filter));
            }
        }

        long withTable = Settle() - arrays;
        int entries = table.Count;
        long expected = everyNode ? (long)filters * nodeCount : filters;
        if (entries != expected)
        {
            throw new InvalidOperationException($"{layout}: expected {expected} entries, table holds {entries}");
        }

        var random = new Random(20261201);
        var matches = new List<MatchResult>
        {
            TimeMatches(table, "exact filter", Topics(random, filters, i => i % 2 == 0, known: true)),
            TimeMatches(table, "+ filter", Topics(random, filters, i => i % 2 == 1, known: true)),
            TimeMatches(table, "no route", Topics(random, filters, _ => true, known: false)),
        };

        var result = new LayoutResult(
            layout,
            entries,
            withStrings - before,
            withTable - withStrings,
            (withTable - withStrings) / (double)entries,
            (withStrings - before) / (double)entries,
            matches);
        GC.KeepAlive(table);
        GC.KeepAlive(perNode);
        return result;
    }

    private static string Filter(int vehicle) => vehicle % 2 == 0
        ? string.Create(CultureInfo.InvariantCulture, $"fleet/{Region(vehicle)}/veh-{vehicle:D7}/telemetry")
        : string.Create(CultureInfo.InvariantCulture, $"fleet/+/veh-{vehicle:D7}/telemetry");

    private static string Region(int vehicle) => (vehicle % 3) switch
    {
        0 => "eu-",
        1 => "us-",
        _ => "ap-",
    } + (vehicle % Regions / 3).ToString(CultureInfo.InvariantCulture);

    private static string[] Topics(Random random, int filters, Func<int, bool> pick, bool known)
    {
        var topics = new string[TopicsPerRound];
        for (int t = 0; t < topics.Length;)
        {
            int vehicle = random.Next(filters);
            if (!pick(vehicle))
            {
                continue;
            }

            int id = known ? vehicle : vehicle + filters;
            topics[t++] = string.Create(CultureInfo.InvariantCulture, $"fleet/{Region(vehicle)}/veh-{id:D7}/telemetry");
        }

        return topics;
    }

    private static MatchResult TimeMatches(ClusterRouteTable table, string kind, string[] topics)
    {
        var nodes = new List<RemoteNode>();
        var shared = new List<ClusterRouteTable.SharedRoute>();
        long found = 0;
        var wall = new double[Rounds];
        var cpu = new double[Rounds];
        for (int round = -1; round < Rounds; round++)
        {
            long cpuStart = ThreadCpuNs();
            long start = Stopwatch.GetTimestamp();
            for (int pass = 0; pass < PassesPerRound; pass++)
            {
                foreach (string topic in topics)
                {
                    table.Match(topic, nodes, shared);
                    found += nodes.Count;
                    nodes.Clear();
                    shared.Clear();
                }
            }

            double elapsedNs = Stopwatch.GetElapsedTime(start).TotalNanoseconds;
            long cpuNs = ThreadCpuNs() - cpuStart;
            if (round >= 0)
            {
                wall[round] = elapsedNs / (PassesPerRound * topics.Length);
                cpu[round] = cpuNs / (double)(PassesPerRound * topics.Length);
            }
        }

        Array.Sort(wall);
        Array.Sort(cpu);
        double perMatch = found / (double)((Rounds + 1) * PassesPerRound * topics.Length);
        return new MatchResult(kind, perMatch, wall[Rounds / 2], wall[0], cpu[Rounds / 2], cpu[0]);
    }

    private static long Settle()
    {
        for (int i = 0; i < 3; i++)
        {
            GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
            GC.WaitForPendingFinalizers();
        }

        return GC.GetTotalMemory(forceFullCollection: true);
    }

    private static long ThreadCpuNs() =>
        NativeMethods.clock_gettime(NativeMethods.ClockThreadCpuTimeId, out NativeMethods.Timespec ts) == 0 ? (ts.Seconds * 1_000_000_000L) + ts.Nanoseconds : 0;

    private static string? Option(string[] args, string name)
    {
        int i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? args[i + 1] : null;
    }

    private static int IntOption(string[] args, string name, int fallback) =>
        Option(args, name) is { } text ? int.Parse(text, NumberStyles.None, CultureInfo.InvariantCulture) : fallback;

    public sealed record RouteTableReport(int Filters, int Nodes, string Runtime, IReadOnlyList<LayoutResult> Layouts);

    public sealed record LayoutResult(string Layout, int Entries, long StringBytes, long TableBytes, double TableBytesPerEntry, double StringBytesPerEntry, IReadOnlyList<MatchResult> Matches);

    public sealed record MatchResult(string Kind, double NodesPerMatch, double WallMedianNs, double WallMinNs, double CpuMedianNs, double CpuMinNs);

    private static class NativeMethods
    {
        public const int ClockThreadCpuTimeId = 3;

        [DllImport("libc", EntryPoint = "clock_gettime")]
        public static extern int clock_gettime(int clockId, out Timespec timespec);

        [StructLayout(LayoutKind.Sequential)]
        public struct Timespec
        {
            public long Seconds;
            public long Nanoseconds;
        }
    }
}
