namespace ClusterBroker.Topics.Tests;

/// <summary>
/// The reference matcher: a direct, allocation-happy transcription of the spec (split both strings on
/// '/', compare level by level), deliberately independent of <see cref="TopicMatcher"/> and the trie.
/// </summary>
internal static class NaiveTopicMatcher
{
    public static bool IsMatch(string filter, string topic)
    {
        string[] f = filter.Split('/');
        string[] t = topic.Split('/');

        // [MQTT-4.7.2-1] filters starting with a wildcard never match topics starting with '$'.
        if (topic.StartsWith('$') && (f[0] == "+" || f[0] == "#"))
        {
            return false;
        }

        for (int i = 0; i < f.Length; i++)
        {
            if (f[i] == "#")
            {
                return true; // '#' is last: matches the parent level and everything below
            }

            if (i >= t.Length)
            {
                return false;
            }

            if (f[i] != "+" && f[i] != t[i])
            {
                return false;
            }
        }

        return f.Length == t.Length;
    }
}
