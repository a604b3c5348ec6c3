using BenchmarkDotNet.Attributes;
using ClusterBroker.Topics;

namespace ClusterBroker.Benchmarks;

/// <summary>
/// Subscription trie matching at 10^3, 10^5 and 10^6 entries with a fleet-like mix: 99% per-device
/// exact filters <c>tenant/{t}/device/{d}/cmd</c> (one subscriber each) and 1% wildcard entries
/// <c>tenant/{t}/+/telemetry/#</c> (about ten applications per tenant). Each benchmark matches 1024
/// pre-built topics picked at random (so caches see a spread of the trie); the mean is per match.
/// At 10^6 the global setup also measures the retained memory per exact filter and prints it
/// (lines starting "// TrieMemory").
/// </summary>
[MemoryDiagnoser]
public class TrieBenchmarks
{
    private const int TopicsPerInvoke = 1024;
    private const int DevicesPerTenant = 1000;

    private SubscriptionTrie<string, int> _trie = new();
    private string[] _commandTopics = [];
    private string[] _telemetryTopics = [];
    private string[] _unknownTopics = [];

    /// <summary>Total entries in the trie.</summary>
    [Params(1_000, 100_000, 1_000_000)]
    public int Filters { get; set; }

    /// <summary>Builds the trie and the topics; at 10^6 first measures memory per exact filter.</summary>
    [GlobalSetup]
    public void Setup()
    {
        if (Filters == 1_000_000)
        {
            MeasureMemoryPerExactFilter(Filters);
        }

        int wildcards = Filters / 100;
        int devices = Filters - wildcards;
        int tenants = Math.Max(1, devices / DevicesPerTenant);
        _trie = new SubscriptionTrie<string, int>();
        for (int d = 0; d < devices; d++)
        {
            _trie.AddOrUpdate($"tenant/{d % tenants}/device/{d}/cmd", $"client-{d}", 1);
        }

        for (int w = 0; w < wildcards; w++)
        {
            _trie.AddOrUpdate($"tenant/{w % tenants}/+/telemetry/#", $"app-{w}", 0);
        }

        var random = new Random(12345);
        _commandTopics = new string[TopicsPerInvoke];
        _telemetryTopics = new string[TopicsPerInvoke];
        _unknownTopics = new string[TopicsPerInvoke];
        for (int i = 0; i < TopicsPerInvoke; i++)
        {
            int d = random.Next(devices);
            _commandTopics[i] = $"tenant/{d % tenants}/device/{d}/cmd";
            _telemetryTopics[i] = $"tenant/{d % tenants}/{d}/telemetry/temperature";
            _unknownTopics[i] = $"tenant/{d % tenants}/device/{d + devices}/cmd";
        }

        if (_trie.Count != Filters)
        {
            throw new InvalidOperationException($"Expected {Filters} entries, got {_trie.Count}.");
        }
    }

    /// <summary>A device command topic: one exact entry matches (the + branch is walked and fails).</summary>
    [Benchmark(OperationsPerInvoke = TopicsPerInvoke)]
    public int MatchExactTopic() => MatchAll(_commandTopics);

    /// <summary>A telemetry topic: the tenant's wildcard filter matches, fanning out to about ten entries.</summary>
    [Benchmark(OperationsPerInvoke = TopicsPerInvoke)]
    public int MatchWildcardTopic() => MatchAll(_telemetryTopics);

    /// <summary>A command topic for a device nobody subscribed to: no match.</summary>
    [Benchmark(OperationsPerInvoke = TopicsPerInvoke)]
    public int MatchUnknownTopic() => MatchAll(_unknownTopics);

    /// <summary>
    /// Builds <paramref name="count"/> exact filters and prints the managed memory the trie retains per
    /// filter, without and with the filter and subscriber strings (which the sessions hold anyway).
    /// </summary>
    public static void MeasureMemoryPerExactFilter(int count)
    {
        int tenants = Math.Max(1, count / DevicesPerTenant);
        long start = GC.GetTotalMemory(forceFullCollection: true);
        var filters = new string[count];
        var clients = new string[count];
        for (int d = 0; d < count; d++)
        {
            filters[d] = $"tenant/{d % tenants}/device/{d}/cmd";
            clients[d] = $"client-{d}";
        }

        long before = GC.GetTotalMemory(forceFullCollection: true);
        var trie = new SubscriptionTrie<string, int>();
        for (int d = 0; d < count; d++)
        {
            trie.AddOrUpdate(filters[d], clients[d], 1);
        }

        long after = GC.GetTotalMemory(forceFullCollection: true);
        GC.KeepAlive(trie);
        GC.KeepAlive(filters);
        GC.KeepAlive(clients);
        long trieBytes = after - before;
        long totalBytes = after - start;
        Console.WriteLine($"// TrieMemory: {count:N0} exact filters, {trie.NodeCount:N0} nodes; trie only {trieBytes:N0} B = {(double)trieBytes / count:F1} B/filter; with filter and client-id strings {totalBytes:N0} B = {(double)totalBytes / count:F1} B/filter");
    }

    private int MatchAll(string[] topics)
    {
        var collector = new CountingCollector();
        SubscriptionTrie<string, int> trie = _trie;
        for (int i = 0; i < topics.Length; i++)
        {
            trie.Match(topics[i], ref collector);
        }

        return collector.Count;
    }

    private struct CountingCollector : ITrieMatchCollector<string, int>
    {
        public int Count;

        public void OnMatch(string filter, string subscriber, int value) => Count += value + 1;
    }
}
