namespace ClusterBroker.Topics.Tests;

public class TopicTree_Tests
{
    private readonly TopicTree<string> _tree = new();

    [Fact]
    public void A_stored_topic_is_found_by_its_exact_filter_and_replaced_by_a_second_set()
    {
        Assert.True(_tree.Set("a/b", "v1"));
        Assert.False(_tree.Set("a/b", "v2", out string? previous));

        Assert.Equal("v1", previous);
        Assert.Equal(["v2"], Match("a/b"));
        Assert.Empty(Match("a"));
        Assert.Empty(Match("a/b/c"));
        Assert.Equal(1, _tree.Count);
        Assert.True(_tree.TryGet("a/b", out string? value));
        Assert.Equal("v2", value);
    }

    [Fact]
    public void Wildcards_match_like_the_reference_matcher_for_every_filter_and_topic()
    {
        string[] topics = ["a", "a/b", "a/b/c", "a/c", "b", "a/", "/a", "/", "", "$SYS/x", "$SYS", "a//b", "x/$y"];
        string[] filters = ["#", "+", "+/+", "a/#", "a/+", "a/+/c", "+/b", "/#", "+/#", "$SYS/#", "$SYS/+", "a/b", "a//b", "a/+/+", "#/", "+/", "/+", "+/$y"];
        foreach (string topic in topics)
        {
            if (topic.Length > 0)
            {
                _tree.Set(topic, topic);
            }
        }

        foreach (string filter in filters)
        {
            if (!TopicValidator.ValidateTopicFilter(filter).IsValid)
            {
                continue;
            }

            string[] expected = topics.Where(t => t.Length > 0 && NaiveTopicMatcher.IsMatch(filter, t)).Order(StringComparer.Ordinal).ToArray();
            Assert.True(expected.SequenceEqual(Match(filter).Order(StringComparer.Ordinal)), $"filter '{filter}'");
        }
    }

    [Fact]
    public void Removing_a_topic_prunes_its_empty_branch_and_keeps_its_neighbours()
    {
        _tree.Set("a/b/c", "abc");
        _tree.Set("a/b", "ab");

        Assert.True(_tree.Remove("a/b/c", out string? removed));
        Assert.Equal("abc", removed);
        Assert.False(_tree.Remove("a/b/c", out _));
        Assert.Equal(["ab"], Match("a/#"));
        Assert.True(_tree.Remove("a/b", out _));
        Assert.Empty(Match("#"));
        Assert.Equal(0, _tree.Count);
    }

    [Fact]
    public void RemoveIf_only_removes_the_value_it_was_given()
    {
        _tree.Set("t", "old");
        string replacement = new('n', 3);
        _tree.Set("t", replacement);

        Assert.False(_tree.RemoveIf("t", "old"));
        Assert.True(_tree.RemoveIf("t", replacement));
        Assert.Equal(0, _tree.Count);
    }

    [Fact]
    public void A_topic_of_65535_slashes_is_stored_matched_by_every_wildcard_and_removed_without_recursion()
    {
        // 65,536 empty levels: a recursive walk of this path needs far more stack than a thread has.
        string deep = new('/', 65_535);
        _tree.Set(deep, "deep");
        _tree.Set("a", "a");

        Assert.Equal(["a", "deep"], Match("#").Order(StringComparer.Ordinal));
        Assert.Equal(["deep"], Match(deep));
        Assert.Equal(["deep"], Match("/#"));
        Assert.Equal(["deep"], Match(string.Concat(Enumerable.Repeat("+/", 65_535)) + "+"));
        var all = new List<string>();
        _tree.CollectAll(all);
        Assert.Equal(2, all.Count);
        Assert.True(_tree.Remove(deep, out _));
        Assert.Equal(["a"], Match("#"));
    }

    private List<string> Match(string filter)
    {
        var results = new List<string>();
        _tree.Match(filter, results);
        return results;
    }
}
