using Microsoft.Extensions.Logging;
using StackExchange.Redis;

namespace ClusterBroker.Storage.Redis.Security;

/// <summary>
/// A node's view of the cluster's users and ACL in Redis (<see cref="RedisSecurityKeys"/>): read at start, then again
/// whenever a change is published, the connection comes back, or the version differs at the periodic check (pub/sub
/// drops messages while disconnected). <see cref="Changed"/> fires with each new snapshot. While Redis cannot be read,
/// the last snapshot stays in force; at start that is no user and no rule, so nobody gets in (fail closed).
/// </summary>
public sealed class RedisSecuritySource : IAsyncDisposable
{
    private readonly RedisConnection _connection;
    private readonly RedisSecurityKeys _keys;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stopping = new();
    private readonly SemaphoreSlim _reading = new(1, 1);
    private Task _checkLoop = Task.CompletedTask;

    private RedisSecuritySource(RedisConnection connection, ILogger logger)
    {
        _connection = connection;
        _keys = new RedisSecurityKeys(connection.Options.KeyPrefix);
        _logger = logger;
    }

    /// <summary>Raised (on a thread-pool thread) with each snapshot that differs from the previous one.</summary>
    public event Action<RedisSecuritySnapshot>? Changed;

    /// <summary>The users and ACL in force now.</summary>
    public RedisSecuritySnapshot Current { get; private set; } = RedisSecuritySnapshot.Empty;

    public static async Task<RedisSecuritySource> StartAsync(RedisConnection connection, ILoggerFactory loggerFactory)
    {
        var source = new RedisSecuritySource(connection, loggerFactory.CreateLogger("ClusterBroker.Security"));
        await source.ReadAsync(initial: true).ConfigureAwait(false);
        try
        {
            await connection.Multiplexer.GetSubscriber().SubscribeAsync(source._keys.Changed, (channel, version) => { _ = source.ReadAsync(initial: false); }).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            source._logger.LogWarning("Security: could not subscribe to {Channel} at {Endpoints} ({Error}); changes are picked up by the periodic check", source._keys.Changed, connection.Endpoints, ex.Message);
        }

        connection.Restored += type => { _ = source.ReadAsync(initial: false); }; // reads log their own failures
        source._checkLoop = Task.Run(source.CheckLoopAsync);
        return source;
    }

    private async Task CheckLoopAsync()
    {
        using var timer = new PeriodicTimer(_connection.Options.ReconcileInterval);
        try
        {
            while (await timer.WaitForNextTickAsync(_stopping.Token).ConfigureAwait(false))
            {
                await ReadAsync(initial: false).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    /// <summary>Reads the version, and the users and ACL when it changed (or at start).</summary>
    private async Task ReadAsync(bool initial)
    {
        if (!await _reading.WaitAsync(0).ConfigureAwait(false))
        {
            return; // a read is under way; it sees this change too, or the next check does
        }

        try
        {
            IDatabase database = _connection.Multiplexer.GetDatabase();
            long version = (long?)await database.StringGetAsync(_keys.Version).ConfigureAwait(false) ?? 0;
            if (!initial && version == Current.Version)
            {
                return;
            }

            IBatch batch = database.CreateBatch();
            Task<HashEntry[]> users = batch.HashGetAllAsync(_keys.Users);
            Task<RedisValue> acl = batch.StringGetAsync(_keys.Acl);
            batch.Execute();
            var lines = new System.Text.StringBuilder();
            foreach (HashEntry user in await users.ConfigureAwait(false))
            {
                lines.Append((string?)user.Name).Append(':').Append((string?)user.Value).Append('\n');
            }

            RedisValue aclText = await acl.ConfigureAwait(false);
            Current = new RedisSecuritySnapshot(version, lines.ToString(), aclText.IsNull ? null : (string?)aclText);
            if (!initial)
            {
                _logger.LogInformation("Security: users and ACL reloaded from Redis (version {Version})", version);
                Changed?.Invoke(Current);
            }
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            _logger.LogError(
                "Security: reading users and ACL from Redis at {Endpoints} failed ({Error}); {State}",
                _connection.Endpoints, ex.Message, initial ? "no user can log in and no topic is allowed until it answers" : "the last ones read stay in force");
        }
        finally
        {
            _reading.Release();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync().ConfigureAwait(false);
        await _checkLoop.ConfigureAwait(false);
        _stopping.Dispose();
    }
}

/// <summary>The users (as password-file text) and the ACL text (null when none is stored) at one version.</summary>
public sealed record RedisSecuritySnapshot(long Version, string PasswordText, string? AclText)
{
    public static readonly RedisSecuritySnapshot Empty = new(-1, "", null);
}

