namespace ClusterBroker.Topics;

/// <summary>
/// Pure matching of one topic filter against one topic name, walking both strings level by level
/// (no splitting, no allocation).
/// </summary>
/// <remarks>
/// Rules: levels are compared ordinally with no normalization of any kind [MQTT-4.7.3-4];
/// <c>+</c> matches exactly one level, which may be empty; <c>#</c> matches the parent level and any
/// number of further levels ("a/#" matches "a", "a/", "a/b/c"); a filter starting with a wildcard does
/// not match a topic starting with <c>$</c> [MQTT-4.7.2-1]. Inputs are assumed valid
/// (see <see cref="TopicValidator"/>); wildcard characters in a topic name are compared literally.
/// </remarks>
public static class TopicMatcher
{
    /// <summary>True when <paramref name="topicName"/> matches <paramref name="topicFilter"/>.</summary>
    public static bool IsMatch(string topicFilter, string topicName)
    {
        ArgumentNullException.ThrowIfNull(topicFilter);
        ArgumentNullException.ThrowIfNull(topicName);
        return IsMatch(topicFilter.AsSpan(), topicName.AsSpan());
    }

    /// <summary>True when <paramref name="topicName"/> matches <paramref name="topicFilter"/>.</summary>
    public static bool IsMatch(ReadOnlySpan<char> topicFilter, ReadOnlySpan<char> topicName)
    {
        if (topicName.Length > 0 && topicName[0] == '$' && topicFilter.Length > 0 && (topicFilter[0] == '+' || topicFilter[0] == '#'))
        {
            return false; // [MQTT-4.7.2-1]
        }

        // f and t index the start of the current level; a position past the end means "no more levels".
        int f = 0;
        int t = 0;
        while (f <= topicFilter.Length)
        {
            int fEnd = topicFilter[f..].IndexOf('/');
            fEnd = fEnd < 0 ? topicFilter.Length : f + fEnd;
            ReadOnlySpan<char> filterLevel = topicFilter[f..fEnd];
            if (filterLevel is "#")
            {
                return true; // matches the remaining levels, possibly none
            }

            if (t > topicName.Length)
            {
                return false; // the filter has more levels than the topic
            }

            int tEnd = topicName[t..].IndexOf('/');
            tEnd = tEnd < 0 ? topicName.Length : t + tEnd;
            if (!(filterLevel is "+") && !filterLevel.SequenceEqual(topicName[t..tEnd]))
            {
                return false;
            }

            f = fEnd + 1;
            t = tEnd + 1;
        }

        return t > topicName.Length; // both exhausted together
    }

    /// <summary>True when the filter contains a wildcard character (<c>+</c> or <c>#</c>).</summary>
    public static bool ContainsWildcard(ReadOnlySpan<char> topicFilter) => topicFilter.ContainsAny('+', '#');
}
