namespace ClusterBroker.Storage.Redis.Tests;

/// <summary>Redis down at start, lost while running, restarted with and without its data: nodes keep serving, report losses, and converge.</summary>
public sealed class Redis_Outage_Tests
{
    [Fact]
    public async Task A_node_whose_redis_is_down_at_start_starts_says_so_reports_lost_writes_and_recovers_when_redis_comes_up()
    {
        int port = RedisServer.FreePort();
        string prefix = Unique.Prefix();
        await using var node = await StoreNode.StartAsync($"127.0.0.1:{port}", prefix, o =>
        {
            o.ReconcileInterval = TimeSpan.FromMilliseconds(100);
            o.OperationTimeout = TimeSpan.FromMilliseconds(500);
            o.ConnectTimeout = TimeSpan.FromMilliseconds(500);
        });

        Assert.False(node.Store.IsIndexBuilt);
        Assert.NotEmpty(node.Logs.Warnings($"127.0.0.1:{port}", "unreachable", "retained messages"));
        Assert.True(node.Connection.ConnectionFailures >= 1);
        await node.RetainAsync("down/1", "lost");
        Assert.Equal(1, node.Metrics.WritesLost);
        Assert.NotEmpty(node.Logs.Warnings("down/1", "not stored", $"127.0.0.1:{port}"));
        Assert.Empty(await node.MatchAsync("down/#"));

        await using var server = await RedisServer.StartOnAsync(port);
        await Eventually.AssertAsync(() => node.Store.IsIndexBuilt, "the index was built once Redis answered");
        await Eventually.AssertAsync(() => node.Connection.IsConnected, "the connection is back");
        await node.RetainAsync("down/2", "stored");
        Assert.Equal(1, node.Metrics.WritesStored);
        await using var other = await StoreNode.StartAsync(server.Configuration, prefix);
        Assert.Equal(["stored"], await other.PayloadsAsync("down/#"));
    }

    [Fact]
    public async Task After_redis_restarts_without_its_data_every_node_rebuilds_and_converges_and_writes_meanwhile_are_reported_lost()
    {
        await using var server = await RedisServer.StartAsync();
        string prefix = Unique.Prefix();
        Action<RedisOptions> fast = o =>
        {
            o.ReconcileInterval = TimeSpan.FromMilliseconds(100);
            o.OperationTimeout = TimeSpan.FromMilliseconds(500);
        };
        await using var a = await StoreNode.StartAsync(server.Configuration, prefix, fast);
        await using var b = await StoreNode.StartAsync(server.Configuration, prefix, fast);
        await a.RetainAsync("r/before", "before");
        await Eventually.AssertAsync(() => b.Store.Count == 1, "node B indexed the first message");

        await server.StopAsync();
        await Eventually.AssertAsync(() => !a.Connection.IsConnected, "node A noticed the outage");
        await a.RetainAsync("r/during", "during");
        Assert.Equal(1, a.Metrics.WritesLost);
        Assert.NotEmpty(a.Logs.Warnings("r/during", "not stored"));
        Assert.Equal(["before"], await a.PayloadsAsync("r/before"));
        Assert.True(a.Metrics.ReadsFailed >= 1, "the lookup answered from the index, without waiting for Redis");

        await server.StartAgainAsync();
        await Eventually.AssertAsync(() => a.Store.Count == 0 && b.Store.Count == 0, "both nodes rebuilt their index from the empty Redis");
        await a.RetainAsync("r/after", "after");
        await Eventually.AssertAsync(() => b.Store.Count == 1, "node B indexed the message written after the restart");
        Assert.Equal(["after"], await b.PayloadsAsync("r/#"));
        Assert.True(b.Metrics.Rebuilds >= 2);
    }

    [Fact]
    public async Task After_redis_restarts_with_its_data_the_nodes_catch_up_without_rebuilding()
    {
        await using var server = await RedisServer.StartAsync(persistent: true);
        string prefix = Unique.Prefix();
        Action<RedisOptions> fast = o => o.ReconcileInterval = TimeSpan.FromMilliseconds(100);
        await using var a = await StoreNode.StartAsync(server.Configuration, prefix, fast);
        await using var b = await StoreNode.StartAsync(server.Configuration, prefix, fast);
        await a.RetainAsync("p/1", "one");
        await Eventually.AssertAsync(() => b.Store.Count == 1, "node B indexed the first message");

        await server.StopAsync();
        await Eventually.AssertAsync(() => !b.Connection.IsConnected, "node B noticed the outage");
        await server.StartAgainAsync();
        await Eventually.AssertAsync(() => a.Connection.IsConnected, "node A reconnected");
        await a.RetainAsync("p/2", "two");

        await Eventually.AssertAsync(() => b.Store.Count == 2, "node B has both messages");
        Assert.Equal(["one", "two"], await b.PayloadsAsync("p/#"));
        Assert.Equal(1, b.Metrics.Rebuilds);
    }

    [Fact]
    public async Task A_write_made_while_redis_is_briefly_down_is_applied_when_it_comes_back_within_the_timeout()
    {
        await using var server = await RedisServer.StartAsync(persistent: true);
        string prefix = Unique.Prefix();
        await using var a = await StoreNode.StartAsync(server.Configuration, prefix, o => o.OperationTimeout = TimeSpan.FromSeconds(15));
        await a.RetainAsync("brief/1", "before");

        await server.StopAsync();
        await Eventually.AssertAsync(() => !a.Connection.IsConnected, "node A noticed the outage");
        Task write = a.RetainAsync("brief/2", "queued");
        await server.StartAgainAsync();
        await write.WaitAsync(TestTimeouts.Default);

        Assert.Equal(0, a.Metrics.WritesLost);
        await using var b = await StoreNode.StartAsync(server.Configuration, prefix);
        Assert.Equal(["before", "queued"], await b.PayloadsAsync("brief/#"));
    }
}
