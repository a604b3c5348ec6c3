namespace ClusterBroker.Host.Security;

/// <summary>
/// Authentication and authorization (configuration section "Security"; switches --allow-anonymous,
/// --password-file, --acl-file). With none of them set the broker is open, and says so at start-up.
/// </summary>
public sealed class SecurityOptions
{
    public const string SectionName = "Security";

    /// <summary>
    /// Whether clients without a user name may connect. Unset: allowed only when no password file is configured.
    /// False without a password file admits any client that gives a user name, with any password.
    /// </summary>
    public bool? AllowAnonymous { get; set; }

    /// <summary>A Mosquitto 2 password file (user:$7$... lines, as mosquitto_passwd or the passwd command write them).</summary>
    public string? PasswordFile { get; set; }

    /// <summary>A Mosquitto ACL file (user / topic / pattern lines). Without one every client may use every topic.</summary>
    public string? AclFile { get; set; }

    /// <summary>
    /// The users come from Redis (hash security:users, managed with "passwd --redis"), shared by every node of the
    /// cluster, instead of a password file. Needs --redis.
    /// </summary>
    public bool RedisUsers { get; set; }

    /// <summary>The ACL comes from Redis (key security:acl, uploaded with "acl --redis"), shared by every node, instead of a file. Needs --redis.</summary>
    public bool RedisAcl { get; set; }

    /// <summary>Failed authentication attempts from one address within <see cref="FailureWindow"/> that get it banned.</summary>
    public int MaxFailedAttempts { get; set; } = 5;

    /// <summary>How long failed attempts of an address count.</summary>
    public TimeSpan FailureWindow { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>How long a banned address is refused (CONNACK 0x8A Banned, 3.1.1: 5) without checking its credentials.</summary>
    public TimeSpan BanDuration { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>How long a refused CONNECT waits for its CONNACK: each guess costs the guesser this much.</summary>
    public TimeSpan FailureDelay { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>How often the password and ACL files are checked for changes (0: only on SIGHUP).</summary>
    public TimeSpan ReloadCheckInterval { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>Anonymous access as it applies: the setting, or allowed exactly when there is no password file.</summary>
    public bool AnonymousAllowed => AllowAnonymous ?? (string.IsNullOrEmpty(PasswordFile) && !RedisUsers);

    public SecurityOptions Clone() => (SecurityOptions)MemberwiseClone();

    /// <summary>Every broken rule, as sentences naming the setting; empty when valid. The files must exist.</summary>
    public IReadOnlyList<string> GetValidationErrors()
    {
        var errors = new List<string>();
        if (!string.IsNullOrEmpty(PasswordFile) && !File.Exists(PasswordFile))
            errors.Add($"Security:PasswordFile '{PasswordFile}' does not exist (create it with: ClusterBroker.Host passwd {PasswordFile} USER).");
        if (!string.IsNullOrEmpty(AclFile) && !File.Exists(AclFile))
            errors.Add($"Security:AclFile '{AclFile}' does not exist.");
        if (RedisUsers && !string.IsNullOrEmpty(PasswordFile))
            errors.Add("Security:RedisUsers and Security:PasswordFile are both set: choose one source of users (Redis for a cluster, or the file).");
        if (RedisAcl && !string.IsNullOrEmpty(AclFile))
            errors.Add("Security:RedisAcl and Security:AclFile are both set: choose one source of ACL rules (Redis for a cluster, or the file).");
        if (MaxFailedAttempts < 1)
            errors.Add($"Security:MaxFailedAttempts must be at least 1 (was {MaxFailedAttempts}).");
        if (FailureWindow <= TimeSpan.Zero)
            errors.Add($"Security:FailureWindow must be positive (was {FailureWindow}).");
        if (BanDuration < TimeSpan.Zero)
            errors.Add($"Security:BanDuration must not be negative (was {BanDuration}).");
        if (FailureDelay < TimeSpan.Zero || FailureDelay > TimeSpan.FromSeconds(30))
            errors.Add($"Security:FailureDelay must be between 0 and 30 seconds (was {FailureDelay}).");
        if (ReloadCheckInterval < TimeSpan.Zero)
            errors.Add($"Security:ReloadCheckInterval must not be negative (was {ReloadCheckInterval}).");
        return errors;
    }
}
