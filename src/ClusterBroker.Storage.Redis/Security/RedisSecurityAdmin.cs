using StackExchange.Redis;

namespace ClusterBroker.Storage.Redis.Security;

/// <summary>
/// Changes a cluster's users and ACL in Redis (the passwd and acl commands with --redis): each change is one
/// MULTI/EXEC that also increments the version and publishes it, so every node reloads at once (and the ones that
/// missed the notification at their next version check).
/// </summary>
public sealed class RedisSecurityAdmin(IDatabase database, RedisSecurityKeys keys)
{
    /// <summary>Adds or replaces a user: <paramref name="line"/> is what follows "user:" on its password-file line.</summary>
    public Task SetUserAsync(string user, string line) => ChangeAsync(t => t.HashSetAsync(keys.Users, user, line));

    /// <summary>Deletes a user; false when there was none of that name.</summary>
    public async Task<bool> DeleteUserAsync(string user)
    {
        if (!await database.HashExistsAsync(keys.Users, user).ConfigureAwait(false))
        {
            return false;
        }

        await ChangeAsync(t => t.HashDeleteAsync(keys.Users, user)).ConfigureAwait(false);
        return true;
    }

    /// <summary>Replaces the ACL with this Mosquitto ACL file text.</summary>
    public Task SetAclAsync(string text) => ChangeAsync(t => t.StringSetAsync(keys.Acl, text));

    /// <summary>The ACL text in Redis, or null when none was stored.</summary>
    public async Task<string?> GetAclAsync() => await database.StringGetAsync(keys.Acl).ConfigureAwait(false);

    /// <summary>The user names in Redis.</summary>
    public async Task<string[]> UsersAsync() => [.. (await database.HashKeysAsync(keys.Users).ConfigureAwait(false)).Select(u => (string)u!).Order(StringComparer.Ordinal)];

    private async Task ChangeAsync(Func<ITransaction, Task> change)
    {
        ITransaction transaction = database.CreateTransaction();
        _ = change(transaction);
        Task<long> version = transaction.StringIncrementAsync(keys.Version);
        if (!await transaction.ExecuteAsync().ConfigureAwait(false))
        {
            throw new RedisException("the change was not applied");
        }

        await database.PublishAsync(keys.Changed, await version.ConfigureAwait(false)).ConfigureAwait(false);
    }
}
