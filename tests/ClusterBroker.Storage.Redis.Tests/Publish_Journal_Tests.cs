using System.Text;
using ClusterBroker.Core.Messages;
using ClusterBroker.Protocol;
using ClusterBroker.Storage.Redis.Journal;
using StackExchange.Redis;

namespace ClusterBroker.Storage.Redis.Tests;

/// <summary>The publish journal against a real redis-server: what a node writes another reads back in order, within the window, and a write Redis cannot take reports false.</summary>
public sealed class Publish_Journal_Tests(RedisServerFixture redis) : IClassFixture<RedisServerFixture>
{
    private readonly LogCapture _logs = new();

    [Fact]
    public async Task What_a_node_wrote_is_read_back_by_another_in_order_with_its_properties_and_deleted_after()
    {
        string prefix = Unique.Prefix();
        await using RedisConnection writerConnection = await Connect(redis.Server.Configuration, prefix);
        await using RedisConnection readerConnection = await Connect(redis.Server.Configuration, prefix);
        var writer = new RedisPublishJournal(writerConnection, "node-a#1", TimeSpan.FromSeconds(20), _logs);
        var reader = new RedisPublishJournal(readerConnection, "node-b#2", TimeSpan.FromSeconds(20), _logs);

        var writes = new List<ValueTask<bool>>();
        for (int i = 0; i < 1500; i++)
        {
            writes.Add(writer.AppendAsync(Message($"t/{i % 3}", $"m{i}", i % 2 == 0 ? QualityOfService.AtLeastOnce : QualityOfService.ExactlyOnce)));
        }

        writes.Add(writer.AppendAsync(Message("props", "p", QualityOfService.AtLeastOnce) with { Retain = true, ContentType = "text/plain", UserProperties = [new UserProperty("k", "v")], PublisherId = "pub-1" }));
        foreach (ValueTask<bool> write in writes)
        {
            Assert.True(await write);
        }

        Assert.Equal(1501, writer.Appended);
        IReadOnlyList<BrokerMessage> read = await reader.ReadAsync("node-a#1");
        Assert.Equal(Enumerable.Range(0, 1500).Select(i => $"m{i}").Append("p"), read.Select(Text)); // more than one page, in order
        BrokerMessage last = read[^1];
        Assert.Equal((true, "text/plain", "pub-1", QualityOfService.AtLeastOnce), (last.Retain, last.ContentType, last.PublisherId, last.QoS));
        Assert.Equal(new UserProperty("k", "v"), Assert.Single(last.UserProperties!));
        Assert.Equal(QualityOfService.ExactlyOnce, read[1].QoS);
        Assert.Empty(await reader.ReadAsync("node-c#3")); // a node that wrote nothing

        IDatabase db = writerConnection.Multiplexer.GetDatabase();
        TimeSpan? expiry = await db.KeyTimeToLiveAsync(prefix + "journal:node-a#1");
        Assert.True(expiry is { } ttl && ttl > TimeSpan.Zero && ttl <= TimeSpan.FromSeconds(20) + RedisPublishJournal.RetentionMargin, $"the journal key expires one retention after the last write (TTL {expiry})");

        await reader.DeleteAsync("node-a#1");
        Assert.Empty(await reader.ReadAsync("node-a#1"));
    }

    [Fact]
    public async Task Only_entries_within_the_replay_window_are_read()
    {
        string prefix = Unique.Prefix();
        await using RedisConnection connection = await Connect(redis.Server.Configuration, prefix);
        IDatabase db = connection.Multiplexer.GetDatabase();
        RedisKey key = prefix + "journal:old-node#1";
        long nowMs = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        // written with explicit ids: one an hour ago, one now (Redis's clock is this machine's)
        await db.StreamAddAsync(key, "m", Encode(Message("t", "old", QualityOfService.AtLeastOnce)), $"{nowMs - 3_600_000}-0");
        await db.StreamAddAsync(key, "m", Encode(Message("t", "recent", QualityOfService.AtLeastOnce)), $"{nowMs}-0");

        var reader = new RedisPublishJournal(connection, "reader#2", TimeSpan.FromSeconds(20), _logs);
        Assert.Equal(["recent"], (await reader.ReadAsync("old-node#1")).Select(Text));
    }

    [Fact]
    public async Task A_write_Redis_cannot_take_completes_false_is_counted_and_logged()
    {
        await using RedisServer server = await RedisServer.StartAsync();
        await using RedisConnection connection = await RedisConnection.ConnectAsync(
            new RedisOptions { Configuration = server.Configuration, KeyPrefix = Unique.Prefix(), OperationTimeout = TimeSpan.FromMilliseconds(500) }, _logs);
        var journal = new RedisPublishJournal(connection, "node-a#1", TimeSpan.FromSeconds(20), _logs);
        Assert.True(await journal.AppendAsync(Message("t", "stored", QualityOfService.AtLeastOnce)));

        await server.StopAsync();
        Assert.False(await journal.AppendAsync(Message("t", "not stored", QualityOfService.AtLeastOnce)));
        Assert.Equal((1, 1), (journal.Appended, journal.Failed));
        Assert.Contains(_logs.Entries, e => e.Message.Contains("Publish journal", StringComparison.Ordinal) && e.Message.Contains("failed", StringComparison.Ordinal));
    }

    private static Task<RedisConnection> Connect(string configuration, string prefix) =>
        RedisConnection.ConnectAsync(new RedisOptions { Configuration = configuration, KeyPrefix = prefix }, new LogCapture());

    private static BrokerMessage Message(string topic, string payload, QualityOfService qos) => new() { Topic = topic, Payload = Encoding.UTF8.GetBytes(payload), QoS = qos };

    private static byte[] Encode(BrokerMessage message) => Sessions.StoredSessionCodec.EncodeQueued(new QueuedMessage(message, message.QoS, message.Retain, null));

    private static string Text(BrokerMessage message) => Encoding.UTF8.GetString(message.Payload.Span);
}
