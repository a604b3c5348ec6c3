namespace ClusterBroker.Topics.Tests;

public class SubscriptionTrie_Tests
{
    private readonly SubscriptionTrie<string, int> _trie = new();

    [Fact]
    public void An_added_entry_is_matched_with_its_filter_subscriber_and_value()
    {
        Assert.True(_trie.AddOrUpdate("a/b", "c1", 1));

        Assert.Equal([new TrieMatch<string, int>("a/b", "c1", 1)], Match("a/b"));
        Assert.Empty(Match("a"));
        Assert.Empty(Match("a/b/c"));
        Assert.Equal(1, _trie.Count);
        Assert.Equal(1, _trie.FilterCount);
        Assert.True(_trie.Contains("a/b", "c1"));
        Assert.False(_trie.Contains("a/b", "c2"));
        Assert.False(_trie.Contains("a", "c1"));
    }

    [Fact]
    public void Adding_an_existing_entry_replaces_its_value_and_returns_false()
    {
        Assert.True(_trie.AddOrUpdate("a/+", "c1", 1));
        Assert.False(_trie.AddOrUpdate("a/+", "c1", 2));

        Assert.Equal([new TrieMatch<string, int>("a/+", "c1", 2)], Match("a/x"));
        Assert.Equal(1, _trie.Count);
        Assert.True(_trie.TryGetValue("a/+", "c1", out int value));
        Assert.Equal(2, value);
    }

    [Fact]
    public void Values_are_replaced_when_the_filter_has_several_subscribers()
    {
        _trie.AddOrUpdate("a", "c1", 1);
        _trie.AddOrUpdate("a", "c2", 2);
        Assert.False(_trie.AddOrUpdate("a", "c2", 20));
        Assert.False(_trie.AddOrUpdate("a", "c1", 10));

        Assert.Equal(
            [new TrieMatch<string, int>("a", "c1", 10), new TrieMatch<string, int>("a", "c2", 20)],
            Match("a").OrderBy(m => m.Subscriber, StringComparer.Ordinal));
        Assert.Equal(2, _trie.Count);
        Assert.Equal(1, _trie.FilterCount);
    }

    [Fact]
    public void Each_matching_entry_is_reported_once_across_exact_and_wildcard_filters()
    {
        string[] filters = ["a/b/c", "a/+/c", "a/b/+", "a/#", "a/b/#", "a/b/c/#", "+/+/+", "#", "+/b/#", "a/c/b", "a/b", "b/#"];
        foreach (string filter in filters)
        {
            _trie.AddOrUpdate(filter, "c1", 0);
            _trie.AddOrUpdate(filter, "c2", 0);
        }

        List<TrieMatch<string, int>> matches = Match("a/b/c");
        string[] expected = ["#", "+/+/+", "+/b/#", "a/#", "a/+/c", "a/b/#", "a/b/+", "a/b/c", "a/b/c/#"];
        Assert.Equal(expected.Length * 2, matches.Count);
        Assert.Equal(expected, matches.Select(m => m.Filter).Distinct().Order(StringComparer.Ordinal));
    }

    [Fact]
    public void A_multi_level_wildcard_matches_its_parent_level()
    {
        _trie.AddOrUpdate("a/#", "c1", 0);
        Assert.Single(Match("a"));
        Assert.Single(Match("a/"));
        Assert.Single(Match("a/b/c"));
        Assert.Empty(Match("b"));
    }

    [Fact]
    public void Empty_levels_are_levels_like_any_other()
    {
        _trie.AddOrUpdate("/", "c1", 0);
        _trie.AddOrUpdate("+/+", "c2", 0);
        _trie.AddOrUpdate("a//b", "c3", 0);
        _trie.AddOrUpdate("a/+/b", "c4", 0);

        Assert.Equal(["c1", "c2"], Match("/").Select(m => m.Subscriber).Order(StringComparer.Ordinal));
        Assert.Equal(["c3", "c4"], Match("a//b").Select(m => m.Subscriber).Order(StringComparer.Ordinal));
        Assert.Empty(Match("a/b/c"));
        Assert.Equal(["c2"], Match("a/").Select(m => m.Subscriber));
    }

    [Fact]
    public void Wildcard_characters_in_a_topic_are_not_looked_up_as_literal_levels()
    {
        _trie.AddOrUpdate("a/+", "c1", 0);
        _trie.AddOrUpdate("a/#", "c2", 0);

        // An (invalid) topic "a/+" matches "a/+" and "a/#" once each, as any other one-level topic would.
        Assert.Equal(["c1", "c2"], Match("a/+").Select(m => m.Subscriber).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Removing_an_entry_stops_it_matching_and_leaves_others()
    {
        _trie.AddOrUpdate("a/b", "c1", 1);
        _trie.AddOrUpdate("a/b", "c2", 2);
        _trie.AddOrUpdate("a/+", "c1", 3);

        Assert.True(_trie.Remove("a/b", "c1"));
        Assert.False(_trie.Remove("a/b", "c1"));
        Assert.False(_trie.Remove("a/x", "c1"));
        Assert.False(_trie.Remove("a", "c1"));

        Assert.Equal(
            [new TrieMatch<string, int>("a/+", "c1", 3), new TrieMatch<string, int>("a/b", "c2", 2)],
            Match("a/b").OrderBy(m => m.Filter, StringComparer.Ordinal));
        Assert.Equal(2, _trie.Count);
        Assert.Equal(2, _trie.FilterCount);
    }

    [Fact]
    public void Removing_every_entry_prunes_every_node()
    {
        Assert.Equal(0, _trie.NodeCount);
        _trie.AddOrUpdate("a/b/c/d", "c1", 0);
        Assert.Equal(4, _trie.NodeCount);
        _trie.AddOrUpdate("a/b/x", "c1", 0);
        _trie.AddOrUpdate("a/+/#", "c1", 0);
        _trie.AddOrUpdate("a/b", "c2", 0);
        _trie.AddOrUpdate("#", "c2", 0);
        Assert.Equal(8, _trie.NodeCount);

        _trie.Remove("a/b/c/d", "c1");
        Assert.Equal(6, _trie.NodeCount); // "c" and "d" pruned, "a/b" still holds entries and a child

        _trie.Remove("a/b", "c2");
        Assert.Equal(6, _trie.NodeCount); // "b" still leads to "x"

        _trie.Remove("a/b/x", "c1");
        Assert.Equal(4, _trie.NodeCount);

        _trie.Remove("a/+/#", "c1");
        _trie.Remove("#", "c2");
        Assert.Equal(0, _trie.NodeCount);
        Assert.Equal(0, _trie.Count);
        Assert.Equal(0, _trie.FilterCount);
        Assert.Empty(Match("a/b/c/d"));
    }

    [Fact]
    public void Nodes_with_many_children_shrink_back_and_keep_matching()
    {
        for (int i = 0; i < 100; i++)
        {
            _trie.AddOrUpdate($"p/{i}", "c1", i);
            _trie.AddOrUpdate($"p/{i}", "c2", i);
        }

        for (int i = 0; i < 99; i++)
        {
            _trie.Remove($"p/{i}", "c1");
            _trie.Remove($"p/{i}", "c2");
        }

        Assert.Equal(2, _trie.NodeCount);
        Assert.Equal(2, Match("p/99").Count);
        _trie.Remove("p/99", "c2");
        Assert.Equal([new TrieMatch<string, int>("p/99", "c1", 99)], Match("p/99"));
        _trie.Remove("p/99", "c1");
        Assert.Equal(0, _trie.NodeCount);
    }

    [Fact]
    public void The_reported_filter_is_the_string_the_entry_was_added_with()
    {
        string longer = "a/b/c";
        string filter = new string("a/b".AsSpan());
        _trie.AddOrUpdate(longer, "c1", 0);
        _trie.AddOrUpdate(filter, "c1", 0);

        TrieMatch<string, int> match = Assert.Single(Match("a/b"));
        Assert.Same(filter, match.Filter);
    }

    [Fact]
    public void A_struct_collector_receives_every_match()
    {
        _trie.AddOrUpdate("a/+", "c1", 1);
        _trie.AddOrUpdate("a/#", "c2", 2);
        _trie.AddOrUpdate("a/b", "c3", 3);
        var collector = new SumCollector();
        _trie.Match("a/b", ref collector);
        Assert.Equal(3, collector.Count);
        Assert.Equal(6, collector.Sum);
    }

    [Fact]
    public void Matching_with_a_struct_collector_allocates_nothing()
    {
        for (int i = 0; i < 1000; i++)
        {
            _trie.AddOrUpdate($"tenant/{i % 10}/device/{i}/cmd", $"c{i}", i);
        }

        _trie.AddOrUpdate("tenant/3/+/telemetry/#", "app1", 0);
        _trie.AddOrUpdate("tenant/3/+/telemetry/#", "app2", 0);
        var collector = new SumCollector();
        _trie.Match("tenant/3/dev3/telemetry/t", ref collector); // warm up
        _trie.Match("tenant/3/device/3/cmd", ref collector);

        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 100; i++)
        {
            _trie.Match("tenant/3/dev3/telemetry/t", ref collector);
            _trie.Match("tenant/3/device/3/cmd", ref collector);
        }

        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Equal(0, allocated);
        Assert.Equal(2 + 1 + 300, collector.Count);
    }

    [Fact]
    public void An_interface_collector_is_supported()
    {
        _trie.AddOrUpdate("a", "c1", 1);
        var collector = new ClassCollector();
        _trie.Match("a", collector);
        Assert.Equal(["c1"], collector.Subscribers);
    }

    [Fact]
    public void A_subscriber_comparer_is_honoured()
    {
        var trie = new SubscriptionTrie<string, int>(StringComparer.OrdinalIgnoreCase);
        Assert.True(trie.AddOrUpdate("a", "Client", 1));
        Assert.False(trie.AddOrUpdate("a", "CLIENT", 2));
        Assert.True(trie.AddOrUpdate("a", "other", 3));
        Assert.False(trie.AddOrUpdate("a", "client", 4));
        Assert.True(trie.Remove("a", "OTHER"));
        Assert.True(trie.TryGetValue("a", "client", out int value));
        Assert.Equal(4, value);
    }

    [Fact]
    public void Value_type_subscriber_keys_including_default_are_supported()
    {
        var trie = new SubscriptionTrie<int, string>();
        Assert.True(trie.AddOrUpdate("a", 0, "zero"));
        Assert.True(trie.Contains("a", 0));
        Assert.False(trie.Contains("a", 1));
        Assert.True(trie.Remove("a", 0));
        Assert.False(trie.Contains("a", 0));
        Assert.Equal(0, trie.NodeCount);
    }

    [Fact]
    public void Clear_removes_everything()
    {
        _trie.AddOrUpdate("a/b", "c1", 0);
        _trie.Clear();
        Assert.Equal(0, _trie.Count);
        Assert.Equal(0, _trie.NodeCount);
        Assert.Empty(Match("a/b"));
        Assert.False(_trie.ContainsFilter("a/b"));
    }

    private List<TrieMatch<string, int>> Match(string topic)
    {
        var matches = new List<TrieMatch<string, int>>();
        _trie.Match(topic, matches);
        return matches;
    }

    private struct SumCollector : ITrieMatchCollector<string, int>
    {
        public int Count;
        public int Sum;

        public void OnMatch(string filter, string subscriber, int value)
        {
            Count++;
            Sum += value;
        }
    }

    private sealed class ClassCollector : ITrieMatchCollector<string, int>
    {
        public List<string> Subscribers { get; } = [];

        public void OnMatch(string filter, string subscriber, int value) => Subscribers.Add(subscriber);
    }
}
