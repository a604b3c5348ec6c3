namespace ClusterBroker.Topics.Tests;

public class TopicValidation_Tests
{
    [Fact]
    public void A_topic_name_must_not_contain_wildcards_MQTT_4_7_1_1()
    {
        Assert.Equal(TopicError.WildcardInTopicName, TopicValidator.ValidateTopicName("a/+/c").Error);
        Assert.Equal(TopicError.WildcardInTopicName, TopicValidator.ValidateTopicName("a/#").Error);
        Assert.Equal(TopicError.WildcardInTopicName, TopicValidator.ValidateTopicName("a+b").Error);
        Assert.StartsWith("[MQTT-4.7.1-1]", TopicValidator.ValidateTopicName("#").Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("#")]
    [InlineData("a/#")]
    [InlineData("/#")]
    [InlineData("a//#")]
    [InlineData("+/#")]
    public void A_multi_level_wildcard_alone_or_after_a_separator_at_the_end_is_valid_MQTT_4_7_1_2(string filter)
    {
        Assert.True(TopicValidator.ValidateTopicFilter(filter).IsValid);
    }

    [Theory]
    [InlineData("a#")]
    [InlineData("a/b#")]
    [InlineData("a/#/c")]
    [InlineData("#/")]
    [InlineData("##")]
    [InlineData("a/#b")]
    public void A_multi_level_wildcard_not_alone_in_the_last_level_is_rejected_MQTT_4_7_1_2(string filter)
    {
        TopicValidationResult result = TopicValidator.ValidateTopicFilter(filter);
        Assert.Equal(TopicError.MultiLevelWildcardMisplaced, result.Error);
        Assert.StartsWith("[MQTT-4.7.1-2]", result.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("+")]
    [InlineData("+/tennis/#")]
    [InlineData("sport/+/player1")]
    [InlineData("sport/+")]
    [InlineData("+/+")]
    [InlineData("/+")]
    public void A_single_level_wildcard_occupying_a_whole_level_is_valid_anywhere_MQTT_4_7_1_3(string filter)
    {
        Assert.True(TopicValidator.ValidateTopicFilter(filter).IsValid);
    }

    [Theory]
    [InlineData("sport+")]
    [InlineData("sport/+a")]
    [InlineData("a+/b")]
    [InlineData("++")]
    [InlineData("+#")]
    public void A_single_level_wildcard_sharing_a_level_is_rejected_MQTT_4_7_1_3(string filter)
    {
        TopicValidationResult result = TopicValidator.ValidateTopicFilter(filter);
        Assert.Equal(TopicError.SingleLevelWildcardMisplaced, result.Error);
        Assert.StartsWith("[MQTT-4.7.1-3]", result.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Topic_names_and_filters_must_be_at_least_one_character_long_MQTT_4_7_3_1()
    {
        Assert.Equal(TopicError.Empty, TopicValidator.ValidateTopicName("").Error);
        Assert.Equal(TopicError.Empty, TopicValidator.ValidateTopicFilter("").Error);
        Assert.StartsWith("[MQTT-4.7.3-1]", TopicValidator.ValidateTopicName("").Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Topic_names_and_filters_must_not_contain_the_null_character_MQTT_4_7_3_2()
    {
        Assert.Equal(TopicError.NullCharacter, TopicValidator.ValidateTopicName("a/\0b").Error);
        Assert.Equal(TopicError.NullCharacter, TopicValidator.ValidateTopicFilter("+/\0").Error);
        Assert.StartsWith("[MQTT-4.7.3-2]", TopicValidator.ValidateTopicName("\0").Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Topic_names_and_filters_must_not_encode_to_more_than_65535_bytes_MQTT_4_7_3_3()
    {
        Assert.True(TopicValidator.ValidateTopicName(new string('a', 65535)).IsValid);
        Assert.Equal(TopicError.TooLong, TopicValidator.ValidateTopicName(new string('a', 65536)).Error);

        // The limit is in UTF-8 bytes, not characters: 'é' is two bytes, U+20AC three, a surrogate pair four.
        Assert.True(TopicValidator.ValidateTopicName(new string('\u00e9', 32767)).IsValid);
        Assert.Equal(TopicError.TooLong, TopicValidator.ValidateTopicName(new string('\u00e9', 32768)).Error);
        Assert.Equal(TopicError.TooLong, TopicValidator.ValidateTopicFilter(new string('\u20ac', 21846)).Error);
        Assert.Equal(TopicError.TooLong, TopicValidator.ValidateTopicFilter(string.Concat(Enumerable.Repeat("\U0001F600", 16384))).Error);
        Assert.StartsWith("[MQTT-4.7.3-3]", TopicValidator.ValidateTopicName(new string('a', 65536)).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Lone_surrogates_are_rejected_as_ill_formed_UTF8_MQTT_1_5_3_1()
    {
        Assert.Equal(TopicError.IllFormedUtf8, TopicValidator.ValidateTopicName("a/\ud800").Error);
        Assert.Equal(TopicError.IllFormedUtf8, TopicValidator.ValidateTopicName("a/\udc00b").Error);
        Assert.True(TopicValidator.ValidateTopicName("a/\U0001F600").IsValid);
        Assert.StartsWith("[MQTT-1.5.3-1]", TopicValidator.ValidateTopicName("\ud800").Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("/")]
    [InlineData("//")]
    [InlineData("/finance")]
    [InlineData("a//b")]
    [InlineData("a/")]
    [InlineData(" ")]
    public void Empty_levels_are_allowed_in_topic_names_and_filters(string topic)
    {
        Assert.True(TopicValidator.ValidateTopicName(topic).IsValid);
        Assert.True(TopicValidator.ValidateTopicFilter(topic).IsValid);
    }

    [Fact]
    public void A_configured_maximum_length_in_UTF8_bytes_is_enforced()
    {
        var limits = new TopicLimits(MaxLengthBytes: 10);
        Assert.True(TopicValidator.ValidateTopicName("0123456789", limits).IsValid);
        Assert.Equal(TopicError.ExceedsMaxLength, TopicValidator.ValidateTopicName("01234567890", limits).Error);
        Assert.Equal(TopicError.ExceedsMaxLength, TopicValidator.ValidateTopicName("012345678\u00e9", limits).Error);
    }

    [Fact]
    public void A_configured_maximum_number_of_levels_is_enforced()
    {
        var limits = new TopicLimits(MaxLevels: 3);
        Assert.True(TopicValidator.ValidateTopicFilter("a/+/#", limits).IsValid);
        Assert.Equal(TopicError.ExceedsMaxLevels, TopicValidator.ValidateTopicFilter("a/b/c/#", limits).Error);
        Assert.Equal(TopicError.ExceedsMaxLevels, TopicValidator.ValidateTopicName("///", limits).Error);
    }

    [Fact]
    public void The_default_limits_are_the_spec_limits()
    {
        Assert.Equal(TopicLimits.SpecMaxLengthBytes, TopicLimits.Default.EffectiveMaxLengthBytes);
        Assert.Equal(int.MaxValue, TopicLimits.Default.EffectiveMaxLevels);
        Assert.Equal(TopicLimits.SpecMaxLengthBytes, new TopicLimits(MaxLengthBytes: 100_000).EffectiveMaxLengthBytes);
    }

    [Fact]
    public void Every_error_has_a_message()
    {
        foreach (TopicError error in Enum.GetValues<TopicError>())
        {
            Assert.False(string.IsNullOrWhiteSpace(TopicValidationResult.Describe(error)));
        }
    }
}
