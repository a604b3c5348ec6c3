using ClusterBroker.Storage.Redis.Retained;

namespace ClusterBroker.Storage.Redis.Tests;

/// <summary>Each node's index of the retained messages: built by scanning, kept current by notifications, caught up after lost ones, robust to bad data.</summary>
public sealed class Retained_Index_Tests(RedisServerFixture redis) : IClassFixture<RedisServerFixture>
{
    private string Configuration => redis.Server.Configuration;

    [Fact]
    public async Task A_node_started_on_an_existing_data_set_builds_its_index_by_scanning_and_never_with_KEYS()
    {
        string prefix = Unique.Prefix();
        await using var raw = await RawRedis.ConnectAsync(redis.Server, prefix);
        await using (var writer = await StoreNode.StartAsync(Configuration, prefix))
        {
            await Task.WhenAll(Enumerable.Range(0, 3000).Select(i => writer.RetainAsync($"fleet/{i % 30}/{i}", $"m{i}")));
        }

        long scansBefore = await raw.CommandCallsAsync("hscan");
        await using var node = await StoreNode.StartAsync(Configuration, prefix);

        Assert.Equal(3000, node.Store.Count);
        Assert.True(await raw.CommandCallsAsync("hscan") > scansBefore + 1, "the hash was read in several HSCAN pages");
        Assert.Equal(0, await raw.CommandCallsAsync("keys"));
        Assert.Equal(100, (await node.MatchAsync("fleet/7/#")).Count);
    }

    [Fact]
    public async Task A_change_on_one_node_reaches_the_index_of_another_through_its_notification()
    {
        string prefix = Unique.Prefix();
        await using var a = await StoreNode.StartAsync(Configuration, prefix);
        await using var b = await StoreNode.StartAsync(Configuration, prefix);

        await a.RetainAsync("n/1", "one");
        await a.RetainAsync("n/2", "two");

        await Eventually.AssertAsync(() => b.Store.Count == 2, "node B indexed both messages without reading anything");
        Assert.True(b.Metrics.Notifications >= 2);
        Assert.Equal(0, b.Metrics.CatchUps);
        Assert.Equal(0, b.Metrics.NotificationGaps);
    }

    [Fact]
    public async Task A_wildcard_lookup_sees_a_write_whose_notification_was_lost()
    {
        string prefix = Unique.Prefix();
        await using var b = await StoreNode.StartAsync(Configuration, prefix);
        await using var raw = await RawRedis.ConnectAsync(redis.Server, prefix);

        await raw.WriteWithLostNotificationAsync("lost/1", "written elsewhere");

        Assert.Equal(["written elsewhere"], await b.PayloadsAsync("lost/+"));
        Assert.Equal(1, b.Metrics.CatchUps);
    }

    [Fact]
    public async Task An_exact_lookup_reads_redis_and_sees_a_write_whose_notification_was_lost()
    {
        string prefix = Unique.Prefix();
        await using var b = await StoreNode.StartAsync(Configuration, prefix);
        await using var raw = await RawRedis.ConnectAsync(redis.Server, prefix);

        await raw.WriteWithLostNotificationAsync("lost/exact", "written elsewhere");

        Assert.Equal(["written elsewhere"], await b.PayloadsAsync("lost/exact"));
    }

    [Fact]
    public async Task The_periodic_reconcile_applies_a_change_whose_notification_was_lost()
    {
        string prefix = Unique.Prefix();
        await using var b = await StoreNode.StartAsync(Configuration, prefix, o => o.ReconcileInterval = TimeSpan.FromMilliseconds(100));
        await using var raw = await RawRedis.ConnectAsync(redis.Server, prefix);

        await raw.WriteWithLostNotificationAsync("reconciled/1", "x");

        await Eventually.AssertAsync(() => b.Store.Count == 1, "the reconcile loop indexed the change, with no lookup asking for it");
        Assert.True(b.Metrics.CatchUps >= 1);
    }

    [Fact]
    public async Task A_gap_in_the_notified_versions_makes_the_node_catch_up_at_once()
    {
        string prefix = Unique.Prefix();
        await using var a = await StoreNode.StartAsync(Configuration, prefix);
        await using var b = await StoreNode.StartAsync(Configuration, prefix);
        await using var raw = await RawRedis.ConnectAsync(redis.Server, prefix);

        await raw.WriteWithLostNotificationAsync("gap/missed", "missed");
        await a.RetainAsync("gap/notified", "notified");

        await Eventually.AssertAsync(() => b.Store.Count == 2, "node B caught up with the missed change after the next notification");
        Assert.True(b.Metrics.NotificationGaps >= 1);
        Assert.True(b.Metrics.CatchUps >= 1);
    }

    [Fact]
    public async Task An_undecodable_value_is_skipped_with_a_log_line_naming_its_key_by_every_read_path()
    {
        string prefix = Unique.Prefix();
        await using var raw = await RawRedis.ConnectAsync(redis.Server, prefix);
        await using var b = await StoreNode.StartAsync(Configuration, prefix);
        await using (var writer = await StoreNode.StartAsync(Configuration, prefix))
        {
            await writer.RetainAsync("bad/good", "fine");
        }

        // In the hash before the next node starts (rebuild path), and through the change log (catch-up path).
        await raw.Db.HashSetAsync(raw.Messages, "bad/garbage", new byte[] { 0xFF, 1, 2, 3 });
        await raw.WriteWithLostNotificationAsync("bad/truncated", RetainedMessageCodec.Encode(StoreNode.Message("bad/truncated", "x"))[..20]);
        await using var c = await StoreNode.StartAsync(Configuration, prefix);

        Assert.Equal(["fine"], await c.PayloadsAsync("bad/#"));
        Assert.Equal(["fine"], await b.PayloadsAsync("bad/#"));
        Assert.Empty(await c.MatchAsync("bad/garbage"));
        Assert.Equal(1, c.Store.Count);
        Assert.Equal(1, b.Store.Count);
        string key = $"{prefix}{{retained}}:messages";
        Assert.NotEmpty(c.Logs.Warnings(key, "bad/garbage", "cannot be decoded"));
        Assert.NotEmpty(c.Logs.Warnings(key, "bad/truncated", "cannot be decoded"));
        Assert.NotEmpty(b.Logs.Warnings(key, "bad/truncated", "cannot be decoded"));
        Assert.True(c.Metrics.Undecodable >= 2);
    }
}
