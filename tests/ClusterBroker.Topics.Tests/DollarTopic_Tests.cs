namespace ClusterBroker.Topics.Tests;

public class DollarTopic_Tests
{
    [Theory]
    [InlineData("#", "$SYS/monitor/Clients", false)]
    [InlineData("+/monitor/Clients", "$SYS/monitor/Clients", false)]
    [InlineData("+", "$SYS", false)]
    [InlineData("+/#", "$SYS/x", false)]
    [InlineData("$SYS/#", "$SYS/monitor/Clients", true)]
    [InlineData("$SYS/monitor/+", "$SYS/monitor/Clients", true)]
    [InlineData("$SYS/#", "$SYS", true)]
    [InlineData("a/+", "a/$b", true)]
    [InlineData("a/#", "a/$b/c", true)]
    public void Filters_starting_with_a_wildcard_do_not_match_topics_starting_with_dollar_MQTT_4_7_2_1(string filter, string topic, bool expected)
    {
        Assert.Equal(expected, TopicMatcher.IsMatch(filter, topic));

        var trie = new SubscriptionTrie<string, int>();
        trie.AddOrUpdate(filter, "client", 1);
        var matches = new List<TrieMatch<string, int>>();
        trie.Match(topic, matches);
        Assert.Equal(expected, matches.Count == 1);
    }
}
