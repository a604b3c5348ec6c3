using StackExchange.Redis;

namespace ClusterBroker.Storage.Redis.Security;

/// <summary>
/// Where a cluster's users and ACL live in Redis, under the key prefix: <c>security:users</c> (a hash: user name ->
/// what follows "user:" on that user's password-file line, i.e. the Mosquitto 2 hash and any SCRAM keys),
/// <c>security:acl</c> (the Mosquitto ACL file's text), <c>security:version</c> (incremented by every change) and the
/// channel <c>security:changed</c> (the new version, published by every change).
/// </summary>
public sealed class RedisSecurityKeys(string prefix)
{
    public RedisKey Users { get; } = prefix + "security:users";

    public RedisKey Acl { get; } = prefix + "security:acl";

    public RedisKey Version { get; } = prefix + "security:version";

    public RedisChannel Changed { get; } = RedisChannel.Literal(prefix + "security:changed");
}
