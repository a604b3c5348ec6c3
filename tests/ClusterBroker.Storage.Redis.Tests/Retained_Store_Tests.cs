using System.Text;
using ClusterBroker.Core.Messages;
using ClusterBroker.Core.Retained;
using ClusterBroker.Protocol;

namespace ClusterBroker.Storage.Redis.Tests;

/// <summary>What a subscriber gets from the Redis retained store: the message as published, replace, delete, filters, expiry, prefixes, count.</summary>
public sealed class Retained_Store_Tests(RedisServerFixture redis) : IClassFixture<RedisServerFixture>
{
    private string Configuration => redis.Server.Configuration;

    [Fact]
    public async Task A_retained_message_is_read_back_with_its_payload_qos_properties_and_expiry()
    {
        await using var node = await StoreNode.StartAsync(Configuration, Unique.Prefix());
        long expiresAt = DateTimeOffset.UtcNow.AddHours(1).ToUnixTimeMilliseconds();
        var sent = new BrokerMessage
        {
            Topic = "sensors/1/temperature",
            Payload = Encoding.UTF8.GetBytes("21.5"),
            QoS = QualityOfService.ExactlyOnce,
            Retain = true,
            PublisherId = "publisher-1",
            ExpiresAtUnixMs = expiresAt,
            PayloadFormatIndicator = 1,
            ContentType = "text/plain",
            ResponseTopic = "replies/1",
            CorrelationData = new byte[] { 1, 2, 3 },
            UserProperties = [new UserProperty("unit", "celsius"), new UserProperty("unit", "again")],
        };

        await node.Store.Retain(sent);

        foreach (string filter in new[] { "sensors/1/temperature", "sensors/+/temperature", "#" })
        {
            BrokerMessage received = Assert.Single(await node.MatchAsync(filter));
            Assert.Equal(sent.Topic, received.Topic);
            Assert.Equal("21.5", Encoding.UTF8.GetString(received.Payload.Span));
            Assert.Equal(QualityOfService.ExactlyOnce, received.QoS);
            Assert.True(received.Retain);
            Assert.Equal("publisher-1", received.PublisherId);
            Assert.Equal(expiresAt, received.ExpiresAtUnixMs);
            Assert.Equal((byte)1, received.PayloadFormatIndicator);
            Assert.Equal("text/plain", received.ContentType);
            Assert.Equal("replies/1", received.ResponseTopic);
            Assert.Equal(new byte[] { 1, 2, 3 }, received.CorrelationData!.Value.ToArray());
            Assert.Equal(sent.UserProperties, received.UserProperties);
        }
    }

    [Fact]
    public async Task A_new_retained_message_replaces_the_previous_one_of_its_topic()
    {
        await using var node = await StoreNode.StartAsync(Configuration, Unique.Prefix());

        await node.RetainAsync("a/b", "old");
        await node.RetainAsync("a/b", "new");

        Assert.Equal(["new"], await node.PayloadsAsync("a/b"));
        Assert.Equal(["new"], await node.PayloadsAsync("a/#"));
        Assert.Equal(1, node.Store.Count);
    }

    [Fact]
    public async Task An_empty_payload_deletes_the_retained_message_in_redis_and_in_every_nodes_index()
    {
        string prefix = Unique.Prefix();
        await using var a = await StoreNode.StartAsync(Configuration, prefix);
        await using var b = await StoreNode.StartAsync(Configuration, prefix);
        await using var raw = await RawRedis.ConnectAsync(redis.Server, prefix);
        await a.RetainAsync("x/deleted", "v");
        await a.RetainAsync("x/kept", "k");
        await Eventually.AssertAsync(() => b.Store.Count == 2, "node B indexed both messages");

        await b.RetainAsync("x/deleted", "");

        Assert.Equal(1, await raw.CountAsync());
        Assert.Equal(["k"], await a.PayloadsAsync("x/#"));
        Assert.Empty(await a.MatchAsync("x/deleted"));
        await Eventually.AssertAsync(() => a.Store.Count == 1 && b.Store.Count == 1, "both indexes dropped the deleted topic");
    }

    [Fact]
    public async Task Filters_match_the_same_topics_as_in_the_in_memory_store()
    {
        await using var node = await StoreNode.StartAsync(Configuration, Unique.Prefix());
        var memory = new InMemoryRetainedMessageStore();
        string[] topics = ["a", "a/b", "a/b/c", "a/c", "b/c", "a//c", "/a", "$x/y", "$x"];
        foreach (string topic in topics)
        {
            await node.RetainAsync(topic, topic);
            await memory.Retain(StoreNode.Message(topic, topic));
        }

        foreach (string filter in new[] { "#", "+", "a/#", "a/+", "+/c", "+/+/c", "a/+/c", "/#", "$x/#", "$x/+", "+/#", "a//c", "a/b", "nothing/#", "$x" })
        {
            var expected = new List<BrokerMessage>();
            await memory.GetMatching(filter, expected, 0);
            Assert.True(
                expected.Select(m => m.Topic).Order(StringComparer.Ordinal).SequenceEqual((await node.MatchAsync(filter)).Select(m => m.Topic).Order(StringComparer.Ordinal)),
                $"filter '{filter}'");
        }
    }

    [Fact]
    public async Task An_expired_message_is_never_delivered_and_a_node_deletes_it_from_redis()
    {
        string prefix = Unique.Prefix();
        await using var a = await StoreNode.StartAsync(Configuration, prefix, o => o.ReconcileInterval = TimeSpan.FromMilliseconds(100));
        await using var b = await StoreNode.StartAsync(Configuration, prefix);
        await using var raw = await RawRedis.ConnectAsync(redis.Server, prefix);
        long expiresAt = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() + 300;
        await a.RetainAsync("e/short", "soon gone", expiresAt);
        await a.RetainAsync("e/long", "stays");
        Assert.Equal(["soon gone", "stays"], await b.PayloadsAsync("e/#", expiresAt - 1));

        Assert.Equal(["stays"], await b.PayloadsAsync("e/#", expiresAt));
        Assert.Empty(await b.MatchAsync("e/short", expiresAt));
        await Eventually.AssertAsync(async () => await raw.CountAsync() == 1, "the expired message was deleted from Redis");
        // Node A sweeps every 100 ms, node B every 5 s: usually A deletes it, but on a loaded machine B may come first.
        // The sweeper counts the delete when Redis's reply reaches it, which can be just after the key is gone, so await it.
        await Eventually.AssertAsync(() => a.Metrics.ExpiredDeleted + b.Metrics.ExpiredDeleted > 0, "the sweeping node counted its delete");
        // Exactly one of them did (the delete compares the stored expiry, so the other finds nothing to delete).
        Assert.Equal(1, a.Metrics.ExpiredDeleted + b.Metrics.ExpiredDeleted);
        await Eventually.AssertAsync(() => b.Store.Count == 1, "node B's index dropped it too");
    }

    [Fact]
    public async Task Brokers_with_different_key_prefixes_do_not_see_each_others_messages()
    {
        await using var first = await StoreNode.StartAsync(Configuration, Unique.Prefix());
        await using var second = await StoreNode.StartAsync(Configuration, Unique.Prefix());

        await first.RetainAsync("shared/topic", "first");
        await second.RetainAsync("shared/topic", "second");

        Assert.Equal(["first"], await first.PayloadsAsync("#"));
        Assert.Equal(["second"], await second.PayloadsAsync("shared/topic"));
        Assert.Equal(1, first.Store.Count);
        Assert.Equal(1, second.Store.Count);
    }

    [Fact]
    public async Task The_count_is_cluster_wide_and_each_nodes_own_sys_topics_stay_out_of_redis()
    {
        string prefix = Unique.Prefix();
        await using var a = await StoreNode.StartAsync(Configuration, prefix);
        await using var b = await StoreNode.StartAsync(Configuration, prefix);
        await using var raw = await RawRedis.ConnectAsync(redis.Server, prefix);

        await Task.WhenAll(a.RetainAsync("c/1", "x"), a.RetainAsync("c/2", "x"), b.RetainAsync("c/3", "x"));
        await a.RetainAsync("$SYS/broker/uptime", "node a");

        await Eventually.AssertAsync(() => b.Store.Count == 3 && a.Store.Count == 4, "node A counts 3 + its $SYS topic, node B 3");
        Assert.Equal(3, await raw.CountAsync());
        Assert.Equal(["node a"], await a.PayloadsAsync("$SYS/#"));
        Assert.Empty(await b.MatchAsync("$SYS/#"));
    }

    [Fact]
    public async Task A_topic_of_65535_slashes_is_stored_and_matched_by_a_hash_filter()
    {
        await using var node = await StoreNode.StartAsync(Configuration, Unique.Prefix());
        string deep = new('/', 65_535);

        await node.RetainAsync(deep, "deep");

        Assert.Equal(["deep"], await node.PayloadsAsync("#"));
        Assert.Equal(["deep"], await node.PayloadsAsync(deep));
        await node.RetainAsync(deep, "");
        Assert.Empty(await node.MatchAsync("#"));
    }

    [Fact]
    public async Task Beyond_the_cache_budget_and_above_the_size_limit_messages_are_indexed_without_payload_and_read_from_redis()
    {
        string prefix = Unique.Prefix();
        Action<RedisOptions> small = o =>
        {
            o.RetainedCacheBytes = 2000;
            o.RetainedCachedMessageBytes = 1024;
        };
        await using var a = await StoreNode.StartAsync(Configuration, prefix, small);
        await using var b = await StoreNode.StartAsync(Configuration, prefix, small);
        string large = new('L', 5000);

        await Task.WhenAll(Enumerable.Range(0, 50).Select(i => a.RetainAsync($"budget/{i:D2}", $"p{i:D2}")));
        await a.RetainAsync("budget/large", large);

        await Eventually.AssertAsync(() => b.Store.Count == 51, "node B indexed every message");
        Assert.InRange(b.Store.CachedBytes, 1, 2000);
        List<string> payloads = await b.PayloadsAsync("budget/#");
        Assert.Equal(51, payloads.Count);
        Assert.Contains(large, payloads);
        Assert.Equal(Enumerable.Range(0, 50).Select(i => $"p{i:D2}"), payloads.Where(p => p != large));
        await using var c = await StoreNode.StartAsync(Configuration, prefix, small);
        Assert.InRange(c.Store.CachedBytes, 1, 2000);
        Assert.Equal(51, (await c.MatchAsync("budget/+")).Count);
    }
}
