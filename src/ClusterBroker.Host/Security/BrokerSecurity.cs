using ClusterBroker.Storage.Redis.Security;
using ClusterBroker.Core;
using ClusterBroker.Core.Security;
using Microsoft.Extensions.Logging;

namespace ClusterBroker.Host.Security;

/// <summary>
/// The authenticator and authorizer a node uses, built from <see cref="SecurityOptions"/>: the password file's
/// authenticator (or the anonymous one) behind the brute-force throttle, with a password file also SCRAM-SHA-256/512
/// enhanced authentication for the users that have SCRAM keys, the ACL file's authorizer (or none),
/// and the reloader that keeps both files in force. Logs one line saying how open the broker is, loudly
/// (Warning) when anyone may connect.
/// </summary>
public sealed class BrokerSecurity : IDisposable
{
    private readonly SecurityFileReloader? _reloader;
    private readonly RedisSecurityFollower? _redis;

    private BrokerSecurity(IAuthenticator authenticator, IAuthorizer? authorizer, SecurityFileReloader? reloader, RedisSecurityFollower? redis)
    {
        Authenticator = authenticator;
        Authorizer = authorizer;
        _reloader = reloader;
        _redis = redis;
    }

    public IAuthenticator Authenticator { get; }

    public IAuthorizer? Authorizer { get; }

    /// <summary>
    /// Reads the files and builds the services. Throws <see cref="InvalidOperationException"/> when the ACL file has
    /// an unusable line: a broker must not start with rules that lost a line.
    /// </summary>
    /// <param name="redis">The cluster's users and ACL in Redis, when <see cref="SecurityOptions.RedisUsers"/> or <see cref="SecurityOptions.RedisAcl"/> is set.</param>
    public static BrokerSecurity Create(SecurityOptions options, ILoggerFactory loggerFactory, RedisSecuritySource? redis = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(loggerFactory);
        ILogger logger = loggerFactory.CreateLogger("ClusterBroker.Security");
        bool anonymous = options.AnonymousAllowed;

        WatchedFile? aclFile = null;
        AclAuthorizer? authorizer = null;
        if (options.RedisAcl)
        {
            ArgumentNullException.ThrowIfNull(redis);
            AclFile rules = AclFile.Parse(redis.Current.AclText ?? "");
            if (rules.Errors.Count > 0)
            {
                SecurityFileReloader.LogErrors(logger, LogLevel.Error, "ACL in Redis", "security:acl", rules.Errors);
                throw new InvalidOperationException($"The ACL in Redis (security:acl) has {rules.Errors.Count} unusable line(s): " + string.Join("; ", rules.Errors.Take(5)));
            }

            authorizer = new AclAuthorizer(rules, logger);
            logger.LogInformation(
                "Security: ACL from Redis: {Rules} rule(s) for {Users} user(s) and {Patterns} pattern(s); topics no rule allows are refused",
                rules.RuleCount, rules.UserRules.Count, rules.Patterns.Count);
        }
        else if (!string.IsNullOrEmpty(options.AclFile))
        {
            aclFile = new WatchedFile(options.AclFile);
            AclFile rules = AclFile.Parse(aclFile.Read());
            if (rules.Errors.Count > 0)
            {
                SecurityFileReloader.LogErrors(logger, LogLevel.Error, "ACL file", aclFile.Path, rules.Errors);
                throw new InvalidOperationException(
                    $"ACL file {aclFile.Path} has {rules.Errors.Count} unusable line(s): " + string.Join("; ", rules.Errors.Take(5)) + (rules.Errors.Count > 5 ? "; ..." : ""));
            }

            authorizer = new AclAuthorizer(rules, logger);
            logger.LogInformation(
                "Security: ACL file {Path}: {Rules} rule(s) for {Users} user(s) and {Patterns} pattern(s); topics no rule allows are refused",
                aclFile.Path, rules.RuleCount, rules.UserRules.Count, rules.Patterns.Count);
        }

        WatchedFile? passwordFile = null;
        PasswordFileAuthenticator? passwords = null;
        IAuthenticator inner;
        if (options.RedisUsers)
        {
            ArgumentNullException.ThrowIfNull(redis);
            PasswordFile users = PasswordFile.Parse(redis.Current.PasswordText);
            SecurityFileReloader.LogErrors(logger, LogLevel.Warning, "users in Redis", "security:users", users.Errors);
            passwords = new PasswordFileAuthenticator(users, anonymous);
            inner = passwords;
            logger.Log(
                anonymous ? LogLevel.Warning : LogLevel.Information,
                "Security: {Users} user(s) from Redis, shared by every node; clients without a user name are {Anonymous}",
                users.Users.Count, anonymous ? "admitted too (AllowAnonymous true)" : "refused");
        }
        else if (!string.IsNullOrEmpty(options.PasswordFile))
        {
            passwordFile = new WatchedFile(options.PasswordFile);
            PasswordFile users = PasswordFile.Parse(passwordFile.Read());
            SecurityFileReloader.LogErrors(logger, LogLevel.Warning, "password file", passwordFile.Path, users.Errors);
            passwords = new PasswordFileAuthenticator(users, anonymous);
            inner = passwords;
            if (anonymous)
                logger.LogWarning("Security: password file {Path} with {Users} user(s), but clients WITHOUT a user name are admitted too (AllowAnonymous true)", passwordFile.Path, users.Users.Count);
            else
                logger.LogInformation("Security: password file {Path} with {Users} user(s); clients without a user name are refused", passwordFile.Path, users.Users.Count);
        }
        else
        {
            inner = new AnonymousAuthenticator(anonymous);
            if (anonymous)
                logger.LogWarning(
                    "Security: THE BROKER IS OPEN: no password file, anonymous clients allowed{Acl}. Set --password-file (and --allow-anonymous false) to require passwords",
                    authorizer is null ? "; no ACL, so every client may publish and subscribe anywhere" : " (the ACL's anonymous rules apply to them)");
            else
                logger.LogWarning("Security: no password file: clients must give a user name, but any user name is accepted WITHOUT checking a password");
        }

        var throttle = new FailedAttemptTracker(options.MaxFailedAttempts, options.FailureWindow, options.BanDuration);
        IAuthenticator authenticator = new ThrottlingAuthenticator(inner, throttle, options.FailureDelay, logger: logger);
        if (passwords is not null)
        {
            // SCRAM for the users whose line carries SCRAM keys (passwd --scram); read through the authenticator so reloads apply.
            var scram = new ThrottlingEnhancedAuthenticator(new ScramAuthenticator(() => passwords.Users), throttle, logger);
            authenticator = new CombinedAuthenticator(authenticator, scram);
            logger.LogInformation(
                "Security: MQTT 5 enhanced authentication {Methods} offered; {Users} user(s) have SCRAM keys (passwd --scram)",
                string.Join(", ", scram.Methods), passwords.Users.Scram.Count);
        }

        SecurityFileReloader? reloader = passwordFile is null && aclFile is null
            ? null
            : new SecurityFileReloader(passwordFile, passwords, aclFile, authorizer, options.ReloadCheckInterval, logger);
        RedisSecurityFollower? follower = redis is null ? null
            : new RedisSecurityFollower(redis, options.RedisUsers ? passwords : null, options.RedisAcl ? authorizer : null, logger);
        return new BrokerSecurity(authenticator, authorizer, reloader, follower);
    }

    /// <summary>Checks the files now (what SIGHUP does); for tests and operators' tools.</summary>
    public void ReloadNow() => _reloader?.Check(force: true);

    public void Dispose()
    {
        _reloader?.Dispose();
        _redis?.Dispose();
    }
}
