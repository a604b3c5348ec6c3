namespace ClusterBroker.Topics.Tests;

public class SharedSubscription_Tests
{
    [Fact]
    public void A_share_filter_is_parsed_into_group_and_filter()
    {
        TopicValidationResult result = SharedSubscriptionFilter.Parse("$share/consumer1/sport/tennis/+", out SharedSubscriptionFilter shared);
        Assert.True(result.IsValid);
        Assert.Equal(new SharedSubscriptionFilter("consumer1", "sport/tennis/+", IsQueue: false), shared);
        Assert.Equal("$share/consumer1/sport/tennis/+", shared.ToString());
    }

    [Fact]
    public void A_queue_filter_is_parsed_into_the_queue_group()
    {
        TopicValidationResult result = SharedSubscriptionFilter.Parse("$queue/jobs/#", out SharedSubscriptionFilter shared);
        Assert.True(result.IsValid);
        Assert.Equal(new SharedSubscriptionFilter(SharedSubscriptionFilter.QueueGroup, "jobs/#", IsQueue: true), shared);
        Assert.Equal("$queue/jobs/#", shared.ToString());
    }

    [Fact]
    public void A_shared_filter_keeps_empty_levels_and_dollar_topics_in_its_filter()
    {
        Assert.True(SharedSubscriptionFilter.Parse("$share/g//a/", out SharedSubscriptionFilter shared).IsValid);
        Assert.Equal("/a/", shared.Filter);
        Assert.True(SharedSubscriptionFilter.Parse("$share/g/$SYS/#", out shared).IsValid);
        Assert.Equal("$SYS/#", shared.Filter);
    }

    [Fact]
    public void The_share_name_must_be_at_least_one_character_long_MQTT_4_8_2_1()
    {
        TopicValidationResult result = SharedSubscriptionFilter.Parse("$share//a/b", out _);
        Assert.Equal(TopicError.ShareNameEmpty, result.Error);
        Assert.StartsWith("[MQTT-4.8.2-1]", result.Message, StringComparison.Ordinal);
        Assert.Equal(TopicError.ShareNameEmpty, SharedSubscriptionFilter.Parse("$share/", out _).Error);
    }

    [Theory]
    [InlineData("$share/gr+oup/a")]
    [InlineData("$share/+/a")]
    [InlineData("$share/#/a")]
    [InlineData("$share/g#")]
    public void The_share_name_must_not_contain_wildcards_MQTT_4_8_2_2(string filter)
    {
        TopicValidationResult result = SharedSubscriptionFilter.Parse(filter, out _);
        Assert.Equal(TopicError.ShareNameInvalid, result.Error);
        Assert.StartsWith("[MQTT-4.8.2-2]", result.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("$share/group")]
    [InlineData("$share/group/")]
    [InlineData("$queue/")]
    public void The_share_name_must_be_followed_by_a_separator_and_a_non_empty_filter_MQTT_4_8_2_2(string filter)
    {
        TopicValidationResult result = SharedSubscriptionFilter.Parse(filter, out _);
        Assert.Equal(TopicError.SharedFilterMissing, result.Error);
        Assert.StartsWith("[MQTT-4.8.2-2]", result.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("$share/g/a/#/b", TopicError.MultiLevelWildcardMisplaced)]
    [InlineData("$share/g/a+", TopicError.SingleLevelWildcardMisplaced)]
    [InlineData("$queue/a#", TopicError.MultiLevelWildcardMisplaced)]
    [InlineData("$queue/a/\0", TopicError.NullCharacter)]
    public void The_filter_part_must_be_a_valid_topic_filter(string filter, TopicError expected)
    {
        Assert.Equal(expected, SharedSubscriptionFilter.Parse(filter, out _).Error);
    }

    [Fact]
    public void Limits_apply_to_the_whole_length_and_to_the_levels_of_the_filter_part()
    {
        Assert.Equal(TopicError.ExceedsMaxLength, SharedSubscriptionFilter.Parse("$share/group/abc", new TopicLimits(MaxLengthBytes: 15), out _).Error);
        Assert.True(SharedSubscriptionFilter.Parse("$share/group/a/b", new TopicLimits(MaxLevels: 2), out _).IsValid);
        Assert.Equal(TopicError.ExceedsMaxLevels, SharedSubscriptionFilter.Parse("$share/group/a/b/c", new TopicLimits(MaxLevels: 2), out _).Error);
    }

    [Theory]
    [InlineData("$share/g/a", true)]
    [InlineData("$queue/a", true)]
    [InlineData("$share/", true)]
    [InlineData("$share", false)]
    [InlineData("$SHARE/g/a", false)]
    [InlineData("a/$share/g", false)]
    public void Only_filters_starting_with_share_or_queue_prefixes_are_shared(string filter, bool expected)
    {
        Assert.Equal(expected, SharedSubscriptionFilter.IsShared(filter));
    }

    [Fact]
    public void Subscription_filter_validation_recognizes_shared_and_plain_filters()
    {
        Assert.True(TopicValidator.ValidateSubscriptionFilter("$share/g/a/+", TopicLimits.Default, out SharedSubscriptionFilter? shared).IsValid);
        Assert.Equal("g", shared!.Value.Group);
        Assert.Equal("a/+", shared.Value.Filter);

        Assert.True(TopicValidator.ValidateSubscriptionFilter("a/+", TopicLimits.Default, out shared).IsValid);
        Assert.Null(shared);

        Assert.Equal(TopicError.ShareNameEmpty, TopicValidator.ValidateSubscriptionFilter("$share//a", TopicLimits.Default, out shared).Error);
        Assert.Null(shared);
    }
}
