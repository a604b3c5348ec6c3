using ClusterBroker.Core.Routing;
using ClusterBroker.Storage.Redis.Shared;
using StackExchange.Redis;

namespace ClusterBroker.Storage.Redis.Tests;

/// <summary>
/// Shared-group membership in Redis, cached on every node: changes travel by pub/sub, a periodic reload repairs what
/// pub/sub lost, a node's members are removed when it goes, and bad entries are skipped with a log line.
/// </summary>
public sealed class Shared_Membership_Tests(RedisServerFixture redis) : IClassFixture<RedisServerFixture>
{
    private static readonly RouteKey Group = new("jobs/+", "workers");

    private sealed class Node(RedisConnection connection, RedisSharedMembership membership, LogCapture logs) : IAsyncDisposable
    {
        public RedisSharedMembership Membership { get; } = membership;

        public LogCapture Logs { get; } = logs;

        public IReadOnlyCollection<string> OnlineNodes(RouteKey group) =>
            Membership.TryGetOnlineNodes(group, out IReadOnlyCollection<string> nodes) ? nodes : [];

        public async ValueTask DisposeAsync()
        {
            await Membership.DisposeAsync();
            await connection.DisposeAsync();
        }
    }

    private async Task<Node> StartAsync(string prefix, string node, TimeSpan? reconcile = null)
    {
        var logs = new LogCapture();
        RedisConnection connection = await RedisConnection.ConnectAsync(
            new RedisOptions
            {
                Configuration = redis.Server.Configuration,
                KeyPrefix = prefix,
                ReconcileInterval = reconcile ?? TimeSpan.FromHours(1),
                ConnectTimeout = TimeSpan.FromSeconds(2),
                OperationTimeout = TimeSpan.FromSeconds(5),
            },
            logs);
        var started = new Node(connection, RedisSharedMembership.Start(connection, node, logs), logs);
        await Eventually.AssertAsync(() => started.Membership.Cache.Loaded, $"{node} loaded the membership");
        return started;
    }

    private Task<ConnectionMultiplexer> RawAsync() => ConnectionMultiplexer.ConnectAsync(redis.Server.Configuration);

    [Fact]
    public async Task A_member_written_by_one_node_reaches_the_cache_of_another_and_its_departure_too()
    {
        string prefix = Unique.Prefix();
        await using Node a = await StartAsync(prefix, "akka.tcp://cb@127.0.0.1:1#1");
        await using Node b = await StartAsync(prefix, "akka.tcp://cb@127.0.0.1:2#2");

        a.Membership.MemberChanged(Group, "worker-1", online: true);
        await Eventually.AssertAsync(() => b.OnlineNodes(Group).SequenceEqual(["akka.tcp://cb@127.0.0.1:1"]), "B sees A's online member");

        a.Membership.MemberChanged(Group, "worker-1", online: false);
        await Eventually.AssertAsync(() => b.Membership.TryGetOnlineNodes(Group, out var n) && n.Count == 0, "B sees it offline");

        a.Membership.MemberRemoved(Group, "worker-1");
        await Eventually.AssertAsync(() => !b.Membership.TryGetOnlineNodes(Group, out _) && b.Membership.Cache.MemberCount == 0, "B forgot the member");
        await using ConnectionMultiplexer multiplexer = await RawAsync();
        IDatabase raw = multiplexer.GetDatabase();
        Assert.Equal(0, await raw.HashLengthAsync(prefix + "shared:members"));
    }

    [Fact]
    public async Task The_periodic_reload_repairs_what_pub_sub_lost()
    {
        string prefix = Unique.Prefix();
        await using Node b = await StartAsync(prefix, "akka.tcp://cb@127.0.0.1:2#2", reconcile: TimeSpan.FromMilliseconds(200));
        await using ConnectionMultiplexer multiplexer = await RawAsync();
        IDatabase raw = multiplexer.GetDatabase();

        // Written without a notification, as if it was published while B was disconnected.
        await raw.HashSetAsync(prefix + "shared:members", SharedMemberCodec.Field(Group, "silent"), SharedMemberCodec.Value("akka.tcp://cb@127.0.0.1:3#3", online: true));
        await Eventually.AssertAsync(() => b.OnlineNodes(Group).Contains("akka.tcp://cb@127.0.0.1:3"), "the reload found the member");

        await raw.HashDeleteAsync(prefix + "shared:members", SharedMemberCodec.Field(Group, "silent"));
        await Eventually.AssertAsync(() => b.Membership.Cache.MemberCount == 0, "the reload dropped it");
    }

    [Fact]
    public async Task A_removed_node_loses_its_members_but_a_newer_entry_of_the_same_member_on_another_node_stays()
    {
        string prefix = Unique.Prefix();
        const string A = "akka.tcp://cb@127.0.0.1:1#1";
        await using Node a = await StartAsync(prefix, A);
        await using Node b = await StartAsync(prefix, "akka.tcp://cb@127.0.0.1:2#2");
        a.Membership.MemberChanged(Group, "stays-on-a", online: true);
        a.Membership.MemberChanged(Group, "moves-to-b", online: true);
        await Eventually.AssertAsync(() => b.Membership.Cache.MemberCount == 2, "B sees both");

        // The session moved: B wrote it after A.
        b.Membership.MemberChanged(Group, "moves-to-b", online: true);
        await Eventually.AssertAsync(() => a.OnlineNodes(Group).Count == 2, "A sees the member on B");

        b.Membership.NodeRemoved(A); // A was downed
        await Eventually.AssertAsync(() => b.Membership.Cache.MemberCount == 1 && b.OnlineNodes(Group).SequenceEqual(["akka.tcp://cb@127.0.0.1:2"]), "only the member on B is left");
        await using ConnectionMultiplexer multiplexer = await RawAsync();
        IDatabase raw = multiplexer.GetDatabase();
        Assert.Equal(1, await raw.HashLengthAsync(prefix + "shared:members"));

        // A's late removal of the member that moved does not delete B's entry.
        a.Membership.MemberRemoved(Group, "moves-to-b");
        b.Membership.MemberChanged(new RouteKey("fence", "g"), "fence", online: true);
        await Eventually.AssertAsync(() => a.Membership.Cache.MemberCount == 2, "A saw the fence");
        Assert.Equal(2, await raw.HashLengthAsync(prefix + "shared:members"));
    }

    [Fact]
    public async Task A_node_that_starts_again_at_the_same_address_removes_its_earlier_runs_members()
    {
        string prefix = Unique.Prefix();
        await using ConnectionMultiplexer multiplexer = await RawAsync();
        IDatabase raw = multiplexer.GetDatabase();
        await raw.HashSetAsync(prefix + "shared:members", SharedMemberCodec.Field(Group, "from-crashed-run"), SharedMemberCodec.Value("akka.tcp://cb@127.0.0.1:1#41", online: true));
        await raw.HashSetAsync(prefix + "shared:members", SharedMemberCodec.Field(Group, "on-another-node"), SharedMemberCodec.Value("akka.tcp://cb@127.0.0.1:2#42", online: true));

        await using Node restarted = await StartAsync(prefix, "akka.tcp://cb@127.0.0.1:1#43");
        await Eventually.AssertAsync(async () => await raw.HashLengthAsync(prefix + "shared:members") == 1, "the earlier run's member is gone");
        Assert.True(await raw.HashExistsAsync(prefix + "shared:members", SharedMemberCodec.Field(Group, "on-another-node")));
    }

    [Fact]
    public async Task An_entry_that_does_not_decode_is_skipped_and_logged()
    {
        string prefix = Unique.Prefix();
        await using ConnectionMultiplexer multiplexer = await RawAsync();
        IDatabase raw = multiplexer.GetDatabase();
        await raw.HashSetAsync(prefix + "shared:members", "not-a-member", "garbage");
        await raw.HashSetAsync(prefix + "shared:members", SharedMemberCodec.Field(Group, "good"), SharedMemberCodec.Value("akka.tcp://cb@127.0.0.1:2#2", online: true));

        await using Node node = await StartAsync(prefix, "akka.tcp://cb@127.0.0.1:1#1");
        Assert.Equal(1, node.Membership.Cache.MemberCount);
        Assert.True(node.Membership.Undecodable >= 1);
        Assert.NotEmpty(node.Logs.Warnings("does not decode"));
    }

    [Fact]
    public void The_codec_reads_back_what_it_writes_and_refuses_malformed_text()
    {
        string field = SharedMemberCodec.Field(new RouteKey("a/+/b", "g1"), "client/1");
        Assert.True(SharedMemberCodec.TryParseField(field, out RouteKey group, out string clientId));
        Assert.Equal(new RouteKey("a/+/b", "g1"), group);
        Assert.Equal("client/1", clientId);
        Assert.True(SharedMemberCodec.TryParseValue(SharedMemberCodec.Value("akka.tcp://cb@h:1#7", online: false), out string node, out bool online));
        Assert.Equal(("akka.tcp://cb@h:1#7", false), (node, online));
        Assert.Equal("akka.tcp://cb@h:1", SharedMemberCodec.AddressOf(node));
        Assert.False(SharedMemberCodec.TryParseField("g\0filter", out _, out _));
        Assert.False(SharedMemberCodec.TryParseValue("node\0x", out _, out _));
    }
}
