using ClusterBroker.Storage.Redis.Retained;
using StackExchange.Redis;

namespace ClusterBroker.Storage.Redis.Tests.Infrastructure;

/// <summary>
/// Direct access to the test's redis-server, to look at what the store wrote and to write what a store would not:
/// a change whose notification is lost, an undecodable value.
/// </summary>
public sealed class RawRedis : IAsyncDisposable
{
    private readonly ConnectionMultiplexer _multiplexer;
    private readonly string _prefix;

    private RawRedis(ConnectionMultiplexer multiplexer, string prefix)
    {
        _multiplexer = multiplexer;
        _prefix = prefix;
    }

    public IDatabase Db => _multiplexer.GetDatabase();

    public RedisKey Messages => _prefix + "{retained}:messages";

    private RedisKey[] Keys =>
    [
        _prefix + "{retained}:messages",
        _prefix + "{retained}:version",
        _prefix + "{retained}:changes",
        _prefix + "{retained}:epoch",
        _prefix + "{retained}:floor",
    ];

    public static async Task<RawRedis> ConnectAsync(RedisServer server, string prefix) =>
        new(await ConnectionMultiplexer.ConnectAsync(server.Configuration + ",allowAdmin=true"), prefix);

    /// <summary>Messages in the hash (expired ones not yet deleted included).</summary>
    public Task<long> CountAsync() => Db.HashLengthAsync(Messages);

    /// <summary>
    /// Makes a change exactly as a node's write does (version, change log), except that its notification goes to a
    /// channel nobody listens on: a notification lost in transit.
    /// </summary>
    public Task WriteWithLostNotificationAsync(string topic, byte[] value) =>
        Db.ScriptEvaluateAsync(RetainedScripts.Write, Keys, [topic, value, _prefix + "nobody-listens", "S", RetainedScripts.ChangeLogWindow]);

    public Task WriteWithLostNotificationAsync(string topic, string payload, long expiresAtUnixMs = 0) =>
        WriteWithLostNotificationAsync(topic, RetainedMessageCodec.Encode(StoreNode.Message(topic, payload, expiresAtUnixMs)));

    /// <summary>CLIENT PAUSE ... WRITE: the server holds every client's write commands (scripts included) for the duration.</summary>
    public Task PauseWritesAsync(TimeSpan duration) =>
        Db.ExecuteAsync("CLIENT", "PAUSE", ((long)duration.TotalMilliseconds).ToString(System.Globalization.CultureInfo.InvariantCulture), "WRITE");

    /// <summary>CLIENT PAUSE ... ALL: the server answers no client's command for the duration.</summary>
    public Task PauseAllAsync(TimeSpan duration) =>
        Db.ExecuteAsync("CLIENT", "PAUSE", ((long)duration.TotalMilliseconds).ToString(System.Globalization.CultureInfo.InvariantCulture), "ALL");

    /// <summary>How often the server ran the command (INFO commandstats), e.g. "hscan".</summary>
    public async Task<long> CommandCallsAsync(string command)
    {
        IServer server = _multiplexer.GetServer(_multiplexer.GetEndPoints()[0]);
        IGrouping<string, KeyValuePair<string, string>>[] info = await server.InfoAsync("commandstats");
        foreach (IGrouping<string, KeyValuePair<string, string>> section in info)
        {
            foreach (KeyValuePair<string, string> entry in section)
            {
                if (entry.Key == "cmdstat_" + command)
                {
                    string calls = entry.Value.Split(',')[0];
                    return long.Parse(calls["calls=".Length..], System.Globalization.CultureInfo.InvariantCulture);
                }
            }
        }

        return 0;
    }

    public async ValueTask DisposeAsync() => await _multiplexer.DisposeAsync();
}
