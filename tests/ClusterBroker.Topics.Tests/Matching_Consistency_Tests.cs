namespace ClusterBroker.Topics.Tests;

/// <summary>
/// The trie and <see cref="TopicMatcher"/> against <see cref="NaiveTopicMatcher"/> over generated filters
/// and topics (seeded, bounded): wildcards, $-topics and empty levels included, with entries added,
/// replaced and removed along the way.
/// </summary>
public class Matching_Consistency_Tests
{
    private static readonly string[] Levels = ["a", "b", "c", "", "$SYS", "$x", "a$", "dev1", "\u00e9"];

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void The_trie_matches_exactly_what_the_naive_matcher_matches(int seed)
    {
        var random = new Random(seed);
        var filters = new List<string>();
        for (int i = 0; i < 1000; i++)
        {
            string filter = RandomFilter(random);
            Assert.True(TopicValidator.ValidateTopicFilter(filter).IsValid, filter);
            filters.Add(filter);
        }

        var topics = new List<string>();
        for (int i = 0; i < 1000; i++)
        {
            string topic = RandomTopic(random);
            Assert.True(TopicValidator.ValidateTopicName(topic).IsValid, topic);
            topics.Add(topic);
        }

        // Entries: (filter, subscriber) -> value, several subscribers per filter, some values replaced.
        var trie = new SubscriptionTrie<int, int>();
        var expected = new Dictionary<(string Filter, int Subscriber), int>();
        for (int i = 0; i < 2000; i++)
        {
            string filter = filters[random.Next(filters.Count)];
            int subscriber = random.Next(5);
            bool isNew = !expected.ContainsKey((filter, subscriber));
            expected[(filter, subscriber)] = i;
            Assert.Equal(isNew, trie.AddOrUpdate(filter, subscriber, i));
        }

        AssertSameMatches(trie, expected, topics);

        // Remove about half of the entries (and some that do not exist), then compare again.
        var keys = expected.Keys.ToList();
        foreach ((string filter, int subscriber) in keys)
        {
            if (random.Next(2) == 0)
            {
                Assert.True(trie.Remove(filter, subscriber));
                expected.Remove((filter, subscriber));
            }

            Assert.False(trie.Remove(filter, 99));
        }

        AssertSameMatches(trie, expected, topics);

        foreach ((string filter, int subscriber) in expected.Keys)
        {
            Assert.True(trie.Remove(filter, subscriber));
        }

        Assert.Equal(0, trie.Count);
        Assert.Equal(0, trie.FilterCount);
        Assert.Equal(0, trie.NodeCount);
    }

    [Fact]
    public void The_pure_matcher_agrees_with_the_naive_matcher()
    {
        var random = new Random(42);
        var filters = new List<string>();
        var topics = new List<string>();
        for (int i = 0; i < 400; i++)
        {
            filters.Add(RandomFilter(random));
            topics.Add(RandomTopic(random));
        }

        // Filters written without wildcards are topics too: make sure exact matches happen.
        foreach (string filter in filters)
        {
            if (!TopicMatcher.ContainsWildcard(filter))
            {
                topics.Add(filter);
            }
        }

        foreach (string filter in filters)
        {
            foreach (string topic in topics)
            {
                Assert.True(
                    NaiveTopicMatcher.IsMatch(filter, topic) == TopicMatcher.IsMatch(filter, topic),
                    $"filter '{filter}', topic '{topic}'");
            }
        }
    }

    private static void AssertSameMatches(SubscriptionTrie<int, int> trie, Dictionary<(string Filter, int Subscriber), int> expected, List<string> topics)
    {
        Assert.Equal(expected.Count, trie.Count);
        Assert.Equal(expected.Keys.Select(k => k.Filter).Distinct().Count(), trie.FilterCount);

        var entries = expected.ToList();
        var actual = new List<TrieMatch<int, int>>();
        int totalMatches = 0;
        foreach (string topic in topics)
        {
            actual.Clear();
            trie.Match(topic, actual);
            var want = new HashSet<(string, int, int)>();
            foreach (KeyValuePair<(string Filter, int Subscriber), int> entry in entries)
            {
                if (NaiveTopicMatcher.IsMatch(entry.Key.Filter, topic))
                {
                    want.Add((entry.Key.Filter, entry.Key.Subscriber, entry.Value));
                }
            }

            var got = new HashSet<(string, int, int)>();
            foreach (TrieMatch<int, int> match in actual)
            {
                Assert.True(got.Add((match.Filter, match.Subscriber, match.Value)), $"duplicate match {match} for '{topic}'");
            }

            Assert.True(want.SetEquals(got), $"topic '{topic}': expected {want.Count} matches, got {got.Count}");
            totalMatches += got.Count;
        }

        Assert.True(totalMatches > topics.Count, "the generated data should produce plenty of matches");
    }

    private static string RandomTopic(Random random)
    {
        int depth = 1 + random.Next(5);
        var parts = new string[depth];
        for (int i = 0; i < depth; i++)
        {
            parts[i] = Levels[random.Next(i == 0 ? Levels.Length : 4)];
        }

        string topic = string.Join('/', parts);
        return topic.Length == 0 ? "/" : topic; // [MQTT-4.7.3-1] a lone empty level is not a topic
    }

    private static string RandomFilter(Random random)
    {
        int depth = 1 + random.Next(5);
        var parts = new string[depth];
        for (int i = 0; i < depth; i++)
        {
            int pick = random.Next(10);
            parts[i] = pick switch
            {
                0 or 1 => "+",
                2 when i == depth - 1 => "#",
                _ => Levels[random.Next(i == 0 ? Levels.Length : 4)],
            };
        }

        string filter = string.Join('/', parts);
        return filter.Length == 0 ? "/" : filter;
    }
}
