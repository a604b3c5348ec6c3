using System.Globalization;
using System.Text;

namespace ClusterBroker.ClusterTests.Infrastructure;

/// <summary>
/// N broker processes on loopback forming one cluster. Ports are chosen up front, so every node gets
/// the same full seed list (node 1 first) even when some start later (<see cref="Plan"/>). Disposing
/// kills every process this cluster started, whatever the test's outcome.
/// </summary>
public sealed class TestCluster : IAsyncDisposable
{
    /// <summary>Lines of each node's log a failure message shows.</summary>
    public const int LogTailLines = 40;

    private readonly (int Mqtt, int Cluster, int Forward)[] _ports;
    private readonly string[] _extraArguments;
    private readonly ClusterNode?[] _current;
    private readonly IReadOnlyList<string>?[] _launchers;
    private readonly string[][] _nodeArguments;
    private readonly List<ClusterNode> _started = [];

    private TestCluster((int Mqtt, int Cluster, int Forward)[] ports, string[] extraArguments)
    {
        _ports = ports;
        _extraArguments = extraArguments;
        _current = new ClusterNode?[ports.Length];
        _launchers = new IReadOnlyList<string>?[ports.Length];
        _nodeArguments = [.. ports.Select(_ => Array.Empty<string>())];
        SeedNodes = string.Join(",", ports.Select(p => $"127.0.0.1:{p.Cluster.ToString(CultureInfo.InvariantCulture)}"));
    }

    /// <summary>Number of nodes planned.</summary>
    public int Size => _ports.Length;

    /// <summary>The seed list every node gets: all nodes of the cluster, node 1 first.</summary>
    public string SeedNodes { get; }

    /// <summary>The running process of node <paramref name="number"/> (1-based).</summary>
    public ClusterNode this[int number] => Node(number);

    /// <summary>Chooses the ports of <paramref name="size"/> nodes without starting any.</summary>
    public static TestCluster Plan(int size, params string[] extraArguments)
    {
        var ports = new (int, int, int)[size];
        for (int i = 0; i < size; i++)
        {
            ports[i] = (FreePorts.Next(), FreePorts.Next(), FreePorts.Next());
        }
        return new TestCluster(ports, extraArguments);
    }

    /// <summary>Starts every node in parallel and waits until each one reports all of them up.</summary>
    public static async Task<TestCluster> StartAsync(int size, params string[] extraArguments)
    {
        TestCluster cluster = Plan(size, extraArguments);
        try
        {
            await cluster.StartNodesAsync([.. Enumerable.Range(1, size)]);
            await cluster.WaitForMembersUpAsync(size);
            return cluster;
        }
        catch (Exception e)
        {
            string logs = cluster.DescribeLogs();
            await cluster.DisposeAsync();
            throw new Xunit.Sdk.XunitException($"The {size}-node cluster did not form: {e.Message}{Environment.NewLine}{logs}", e);
        }
    }

    public ClusterNode Node(int number)
    {
        if (number < 1 || number > Size)
        {
            throw new ArgumentOutOfRangeException(nameof(number), number, $"the cluster has nodes 1 to {Size}");
        }
        return _current[number - 1] ?? throw new InvalidOperationException($"node{number} has not been started");
    }

    /// <summary>The nodes started and not known to have exited.</summary>
    public IReadOnlyList<ClusterNode> RunningNodes => [.. _current.OfType<ClusterNode>().Where(n => !n.HasExited)];

    /// <summary>Node <paramref name="number"/> is started (and restarted) through this launcher (see <see cref="ClusterNode.Start"/>).</summary>
    public void LaunchWith(int number, IReadOnlyList<string> launcher) => _launchers[number - 1] = launcher;

    /// <summary>Node <paramref name="number"/> gets these arguments after everyone's (the last of a repeated option wins).</summary>
    public void AddArguments(int number, params string[] arguments) => _nodeArguments[number - 1] = [.. _nodeArguments[number - 1], .. arguments];

    /// <summary>The planned cluster (Akka.Remote) port of node <paramref name="number"/>, started or not.</summary>
    public int ClusterPortOf(int number) => _ports[number - 1].Cluster;

    /// <summary>The planned forward link port of node <paramref name="number"/> (fixed, so that a partition can cut it too).</summary>
    public int ForwardPortOf(int number) => _ports[number - 1].Forward;

    /// <summary>Every port node <paramref name="number"/> talks to the other nodes on: its cluster port and its forward link port.</summary>
    public int[] NodePortsOf(int number) => [ClusterPortOf(number), ForwardPortOf(number)];

    /// <summary>Starts the given nodes (in parallel) and waits for each one's listening line.</summary>
    public async Task StartNodesAsync(params int[] numbers)
    {
        var nodes = new List<ClusterNode>();
        foreach (int number in numbers)
        {
            if (_current[number - 1] is { HasExited: false } running)
            {
                throw new InvalidOperationException($"{running.Name} is still running");
            }
            int run = _started.Count(n => n.Number == number) + 1;
            (int mqtt, int clusterPort, int forwardPort) = _ports[number - 1];
            ClusterNode node = ClusterNode.Start(number, run, mqtt, clusterPort, [.. ArgumentsOf(mqtt, clusterPort, forwardPort), .. _nodeArguments[number - 1]], _launchers[number - 1]);
            lock (_started)
            {
                _started.Add(node);
            }
            _current[number - 1] = node;
            nodes.Add(node);
        }
        await Task.WhenAll(nodes.Select(n => n.WaitUntilListeningAsync()));
    }

    /// <summary>Starts node <paramref name="number"/> again, with the same ports and arguments, after its process exited.</summary>
    public async Task<ClusterNode> RestartAsync(int number)
    {
        await StartNodesAsync(number);
        return Node(number);
    }

    /// <summary>Waits until each given node (default: every running one) logs "<paramref name="count"/> member(s) up" as its latest count.</summary>
    public Task WaitForMembersUpAsync(int count, params int[] numbers)
    {
        IEnumerable<ClusterNode> nodes = numbers.Length == 0 ? RunningNodes : numbers.Select(Node);
        return Task.WhenAll(nodes.Select(n => n.WaitForMembersUpAsync(count)));
    }

    /// <summary>The tail of every node's log (current and earlier runs), for failure messages.</summary>
    public string DescribeLogs(int tailLines = LogTailLines) => DescribeLogs(tailLines, since: null);

    /// <summary>
    /// Runs a test body; if it fails, the failure message carries every node's log lines written while
    /// the body ran (the last <see cref="LogTailLines"/> of them) or, when a node wrote none, its last lines before.
    /// </summary>
    public async Task VerifyAsync(Func<Task> body)
    {
        Dictionary<ClusterNode, int> linesBefore = StartedNodes().ToDictionary(n => n, n => n.Log.Count);
        try
        {
            await body();
        }
        catch (Exception e)
        {
            throw new Xunit.Sdk.XunitException(
                $"{e.GetType().Name}: {e.Message}{Environment.NewLine}{e.StackTrace}{Environment.NewLine}{Environment.NewLine}{DescribeLogs(LogTailLines, linesBefore)}", e);
        }
    }

    private string DescribeLogs(int tailLines, Dictionary<ClusterNode, int>? since)
    {
        var text = new StringBuilder();
        text.AppendLine(CultureInfo.InvariantCulture, $"Node logs (seed nodes {SeedNodes}; time now {DateTime.UtcNow:HH:mm:ss.fff}Z):");
        foreach (ClusterNode node in StartedNodes().OrderBy(n => n.Number).ThenBy(n => n.Run))
        {
            text.AppendLine(since is not null && since.TryGetValue(node, out int before) ? node.DescribeSince(before, tailLines) : node.Describe(tailLines));
        }
        return text.ToString();
    }

    private ClusterNode[] StartedNodes()
    {
        lock (_started)
        {
            return [.. _started];
        }
    }

    public async ValueTask DisposeAsync() =>
        await Task.WhenAll(StartedNodes().Select(n => n.DisposeAsync().AsTask()));

    private string[] ArgumentsOf(int mqttPort, int clusterPort, int forwardPort) =>
    [
        "--port", mqttPort.ToString(CultureInfo.InvariantCulture),
        "--bind", "127.0.0.1",
        "--cluster-host", "127.0.0.1",
        "--cluster-port", clusterPort.ToString(CultureInfo.InvariantCulture),
        "--forward-port", forwardPort.ToString(CultureInfo.InvariantCulture),
        "--seed-nodes", SeedNodes,
        // Without --redis among the extra arguments each node keeps its own retained messages, said explicitly:
        // a node with other seed nodes and no Redis refuses to start otherwise.
        .. (_extraArguments.Contains("--redis") ? Array.Empty<string>() : ["--Cluster:InMemoryStores", "true"]),
        "--Cluster:StableAfter", "00:00:03",
        "--Broker:SysInterval", "00:00:01",
        "--log-level", "Information",
        // HTTP endpoints on a free loopback port (the default 8080 would collide), and a stop disconnects every client at once.
        "--http-port", "0",
        "--http-bind", "127.0.0.1",
        "--drain-period", "00:00:00",
        .. _extraArguments,
    ];
}
