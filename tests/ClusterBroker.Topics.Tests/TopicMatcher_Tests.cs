namespace ClusterBroker.Topics.Tests;

public class TopicMatcher_Tests
{
    [Theory]
    [InlineData("sport/tennis/player1/#", "sport/tennis/player1", true)]
    [InlineData("sport/tennis/player1/#", "sport/tennis/player1/ranking", true)]
    [InlineData("sport/tennis/player1/#", "sport/tennis/player1/score/wimbledon", true)]
    [InlineData("sport/#", "sport", true)]
    [InlineData("#", "sport/tennis", true)]
    [InlineData("sport/tennis/#", "sport/tennis", true)]
    [InlineData("sport/tennis/#", "sport/tennisplayer1", false)]
    [InlineData("sport/tennis/+", "sport/tennis/player1", true)]
    [InlineData("sport/tennis/+", "sport/tennis/player1/ranking", false)]
    [InlineData("sport/+", "sport", false)]
    [InlineData("sport/+", "sport/", true)]
    [InlineData("+/+", "/finance", true)]
    [InlineData("/+", "/finance", true)]
    [InlineData("+", "/finance", false)]
    [InlineData("+", "", true)]
    [InlineData("a//b", "a//b", true)]
    [InlineData("a/+/b", "a//b", true)]
    [InlineData("a/b", "a/b/", false)]
    [InlineData("a/b/", "a/b", false)]
    [InlineData("a/b", "a/b", true)]
    [InlineData("a/b/c", "a/b", false)]
    public void Filters_match_topics_as_the_spec_examples_say(string filter, string topic, bool expected)
    {
        Assert.Equal(expected, TopicMatcher.IsMatch(filter, topic));
        Assert.Equal(expected, NaiveTopicMatcher.IsMatch(filter, topic));
    }

    [Theory]
    [InlineData("ACCOUNTS", "Accounts")]
    [InlineData("a/b ", "a/b")]
    [InlineData("caf\u00e9", "cafe\u0301")]
    [InlineData("\uff41", "a")]
    public void Matching_performs_no_normalization_MQTT_4_7_3_4(string filter, string topic)
    {
        Assert.False(TopicMatcher.IsMatch(filter, topic));
        Assert.True(TopicMatcher.IsMatch(topic, topic));
    }

    [Fact]
    public void Wildcards_are_detected()
    {
        Assert.True(TopicMatcher.ContainsWildcard("a/+"));
        Assert.True(TopicMatcher.ContainsWildcard("#"));
        Assert.False(TopicMatcher.ContainsWildcard("a/b"));
    }
}
