namespace ClusterBroker.Topics;

/// <summary>
/// Validates topic names (PUBLISH, will topics) and topic filters (SUBSCRIBE, UNSUBSCRIBE) in one pass,
/// without allocating and without throwing: the result names the rule broken.
/// </summary>
/// <remarks>
/// Empty levels are allowed ("a//b", "/a", "a/"); the spec gives them no special meaning.
/// Checks, in one pass over the UTF-16 string: U+0000 [MQTT-4.7.3-2], lone surrogates [MQTT-1.5.3-1],
/// wildcard placement [MQTT-4.7.1-1..3], then the UTF-8 length [MQTT-4.7.3-3] and the configured limits.
/// </remarks>
public static class TopicValidator
{
    /// <summary>Validates a topic name (no wildcards) against the spec limits.</summary>
    public static TopicValidationResult ValidateTopicName(ReadOnlySpan<char> topicName) => Validate(topicName, isFilter: false, TopicLimits.Default);

    /// <summary>Validates a topic name (no wildcards) against the spec and the broker's limits.</summary>
    public static TopicValidationResult ValidateTopicName(ReadOnlySpan<char> topicName, TopicLimits limits) => Validate(topicName, isFilter: false, limits);

    /// <summary>Validates a plain topic filter (no <c>$share/</c> handling) against the spec limits.</summary>
    public static TopicValidationResult ValidateTopicFilter(ReadOnlySpan<char> topicFilter) => Validate(topicFilter, isFilter: true, TopicLimits.Default);

    /// <summary>Validates a plain topic filter (no <c>$share/</c> handling) against the spec and the broker's limits.</summary>
    public static TopicValidationResult ValidateTopicFilter(ReadOnlySpan<char> topicFilter, TopicLimits limits) => Validate(topicFilter, isFilter: true, limits);

    /// <summary>
    /// Validates a filter as it arrives in SUBSCRIBE: either a plain topic filter, or a shared one
    /// (<c>$share/{group}/{filter}</c>, <c>$queue/{filter}</c>), in which case <paramref name="shared"/> is set.
    /// </summary>
    public static TopicValidationResult ValidateSubscriptionFilter(string subscriptionFilter, TopicLimits limits, out SharedSubscriptionFilter? shared)
    {
        ArgumentNullException.ThrowIfNull(subscriptionFilter);
        shared = null;
        if (SharedSubscriptionFilter.IsShared(subscriptionFilter))
        {
            TopicValidationResult result = SharedSubscriptionFilter.Parse(subscriptionFilter, limits, out SharedSubscriptionFilter parsed);
            if (result.IsValid)
            {
                shared = parsed;
            }

            return result;
        }

        return Validate(subscriptionFilter, isFilter: true, limits);
    }

    /// <summary>Validates a topic name or filter; the core of the public methods.</summary>
    internal static TopicValidationResult Validate(ReadOnlySpan<char> s, bool isFilter, TopicLimits limits)
    {
        if (s.Length == 0)
        {
            return new TopicValidationResult(TopicError.Empty);
        }

        // Every UTF-16 code unit is at least one UTF-8 byte: reject huge strings before scanning them.
        if (s.Length > TopicLimits.SpecMaxLengthBytes)
        {
            return new TopicValidationResult(TopicError.TooLong);
        }

        int bytes = 0;
        int levels = 1;
        int levelStart = 0;
        for (int i = 0; i < s.Length; i++)
        {
            char c = s[i];
            if (c < 0x80)
            {
                bytes++;
                switch (c)
                {
                    case '\0':
                        return new TopicValidationResult(TopicError.NullCharacter);
                    case '/':
                        levels++;
                        levelStart = i + 1;
                        break;
                    case '+':
                        if (!isFilter)
                        {
                            return new TopicValidationResult(TopicError.WildcardInTopicName);
                        }

                        if (i != levelStart || (i + 1 < s.Length && s[i + 1] != '/'))
                        {
                            return new TopicValidationResult(TopicError.SingleLevelWildcardMisplaced);
                        }

                        break;
                    case '#':
                        if (!isFilter)
                        {
                            return new TopicValidationResult(TopicError.WildcardInTopicName);
                        }

                        if (i != levelStart || i != s.Length - 1)
                        {
                            return new TopicValidationResult(TopicError.MultiLevelWildcardMisplaced);
                        }

                        break;
                }
            }
            else if (c < 0x800)
            {
                bytes += 2;
            }
            else if (char.IsSurrogate(c))
            {
                if (!char.IsHighSurrogate(c) || i + 1 >= s.Length || !char.IsLowSurrogate(s[i + 1]))
                {
                    return new TopicValidationResult(TopicError.IllFormedUtf8);
                }

                bytes += 4;
                i++;
            }
            else
            {
                bytes += 3;
            }
        }

        if (bytes > TopicLimits.SpecMaxLengthBytes)
        {
            return new TopicValidationResult(TopicError.TooLong);
        }

        if (bytes > limits.EffectiveMaxLengthBytes)
        {
            return new TopicValidationResult(TopicError.ExceedsMaxLength);
        }

        if (levels > limits.EffectiveMaxLevels)
        {
            return new TopicValidationResult(TopicError.ExceedsMaxLevels);
        }

        return TopicValidationResult.Ok;
    }
}
