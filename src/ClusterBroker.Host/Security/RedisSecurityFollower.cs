using ClusterBroker.Core.Security;
using ClusterBroker.Storage.Redis.Security;
using Microsoft.Extensions.Logging;

namespace ClusterBroker.Host.Security;

/// <summary>
/// Keeps the node's authenticator and authorizer in step with the users and ACL in Redis: each new snapshot replaces
/// them, as a reloaded file does. An ACL in Redis with an unusable line is not applied (the rules in force stay, and
/// the error is logged), so a bad upload never leaves a node with fewer rules than intended.
/// </summary>
internal sealed class RedisSecurityFollower : IDisposable
{
    private readonly RedisSecuritySource _source;
    private readonly PasswordFileAuthenticator? _users;
    private readonly AclAuthorizer? _acl;
    private readonly ILogger _logger;

    public RedisSecurityFollower(RedisSecuritySource source, PasswordFileAuthenticator? users, AclAuthorizer? acl, ILogger logger)
    {
        _source = source;
        _users = users;
        _acl = acl;
        _logger = logger;
        source.Changed += Apply;
    }

    private void Apply(RedisSecuritySnapshot snapshot)
    {
        if (_users is not null)
        {
            PasswordFile users = PasswordFile.Parse(snapshot.PasswordText);
            SecurityFileReloader.LogErrors(_logger, LogLevel.Warning, "users in Redis", "security:users", users.Errors);
            _users.Replace(users);
        }

        if (_acl is not null)
        {
            AclFile rules = AclFile.Parse(snapshot.AclText ?? "");
            if (rules.Errors.Count > 0)
            {
                SecurityFileReloader.LogErrors(_logger, LogLevel.Error, "ACL in Redis", "security:acl", rules.Errors);
                _logger.LogError("Security: the ACL in Redis (version {Version}) was not applied; the previous rules stay in force", snapshot.Version);
                return;
            }

            _acl.Replace(rules);
        }
    }

    public void Dispose() => _source.Changed -= Apply;
}
