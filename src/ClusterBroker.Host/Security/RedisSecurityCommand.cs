using System.Text;
using ClusterBroker.Core.Security;
using ClusterBroker.Storage.Redis;
using ClusterBroker.Storage.Redis.Security;
using StackExchange.Redis;

namespace ClusterBroker.Host.Security;

/// <summary>
/// <c>ClusterBroker.Host passwd --redis ...</c> and <c>acl --redis ...</c>: manage the cluster's users and ACL in Redis,
/// which every node started with --redis-users / --redis-acl reloads at once. The user lines are the password file's
/// (Mosquitto 2 hashes, optional SCRAM keys); an ACL is checked as the broker reads it before it is stored. Exit codes:
/// 0 done, 1 failed, 2 usage error. Never prints a password or a hash.
/// </summary>
internal sealed class RedisSecurityCommand(TextReader input, TextWriter output, TextWriter error)
{
    public const string Usage = """
        Usage: ClusterBroker.Host passwd --redis CONFIG [--prefix P] [--scram] USER [PASSWORD]
               ClusterBroker.Host passwd --redis CONFIG [--prefix P] -D USER
               ClusterBroker.Host passwd --redis CONFIG [--prefix P] --list
               ClusterBroker.Host acl --redis CONFIG [--prefix P] FILE
               ClusterBroker.Host acl --redis CONFIG [--prefix P] --show
          --redis CONFIG   the cluster's Redis (a StackExchange.Redis configuration string, as the broker's --redis)
          --prefix P       the brokers' key prefix (Redis:KeyPrefix, default clusterbroker:)
          PASSWORD         when not given, read as one line from standard input
          --scram          also store the user's SCRAM-SHA-256/512 keys for MQTT 5 enhanced authentication
          -D               delete the user
        Nodes started with --redis-users true / --redis-acl true apply a change within moments.
        """;

    public static Task<int> RunAsync(string command, string[] args) =>
        new RedisSecurityCommand(Console.In, Console.Out, Console.Error).ExecuteAsync(command, args);

    public async Task<int> ExecuteAsync(string command, IReadOnlyList<string> args)
    {
        string? configuration = null;
        string prefix = new RedisOptions().KeyPrefix;
        bool delete = false, scram = false, list = false, show = false;
        var positional = new List<string>();
        for (int i = 0; i < args.Count; i++)
        {
            switch (args[i])
            {
                case "--redis" when i + 1 < args.Count:
                    configuration = args[++i];
                    break;
                case "--prefix" when i + 1 < args.Count:
                    prefix = args[++i];
                    break;
                case "-D" when command == "passwd":
                    delete = true;
                    break;
                case "--scram" when command == "passwd":
                    scram = true;
                    break;
                case "--list" when command == "passwd":
                    list = true;
                    break;
                case "--show" when command == "acl":
                    show = true;
                    break;
                case "-h" or "--help":
                    output.WriteLine(Usage);
                    return 0;
                default:
                    if (args[i].StartsWith('-') && args[i].Length > 1)
                        return Fail(2, $"unknown option '{args[i]}'.");
                    positional.Add(args[i]);
                    break;
            }
        }

        if (string.IsNullOrWhiteSpace(configuration))
            return Fail(2, "--redis CONFIG is required.");
        if (string.IsNullOrEmpty(prefix))
            return Fail(2, "--prefix must not be empty.");

        var options = new RedisOptions { Configuration = configuration, KeyPrefix = prefix };
        if (options.GetValidationErrors() is { Count: > 0 } errors)
            return Fail(2, string.Join(" ", errors));

        await using ConnectionMultiplexer redis = await ConnectionMultiplexer.ConnectAsync(options.ToConfigurationOptions()).ConfigureAwait(false);
        if (!redis.IsConnected)
            return Fail(1, $"Redis at {RedisOptions.Redact(configuration)} is unreachable.");
        var admin = new RedisSecurityAdmin(redis.GetDatabase(), new RedisSecurityKeys(prefix));
        try
        {
            return command == "acl"
                ? await AclAsync(admin, positional, show).ConfigureAwait(false)
                : await PasswdAsync(admin, positional, delete, scram, list).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException or IOException)
        {
            return Fail(1, ex.Message);
        }
    }

    private async Task<int> PasswdAsync(RedisSecurityAdmin admin, List<string> positional, bool delete, bool scram, bool list)
    {
        if (list)
        {
            foreach (string name in await admin.UsersAsync().ConfigureAwait(false))
                output.WriteLine(name);
            return 0;
        }

        if (positional.Count < 1 || positional.Count > (delete ? 1 : 2))
            return Fail(2, delete ? "-D takes USER and no password." : "expected USER [PASSWORD].");
        string user = positional[0];
        if (PasswdCommand.ValidateUser(user) is { } problem)
            return Fail(2, problem);

        if (delete)
        {
            if (!await admin.DeleteUserAsync(user).ConfigureAwait(false))
                return Fail(1, $"user '{user}' is not in Redis.");
            output.WriteLine($"Deleted user '{user}' from Redis.");
            return 0;
        }

        string? password = positional.Count == 2 ? positional[1] : input.ReadLine();
        if (string.IsNullOrEmpty(password))
            return Fail(2, "the password must not be empty.");
        if (Encoding.UTF8.GetByteCount(password) > 65_535)
            return Fail(2, "the password is longer than MQTT allows (65,535 bytes).");

        byte[] secret = Encoding.UTF8.GetBytes(password);
        string line = PasswordHash.Create(secret, PasswordHash.DefaultIterations) + (scram ? ":" + ScramCredentials.Create(secret) : "");
        await admin.SetUserAsync(user, line).ConfigureAwait(false);
        output.WriteLine($"Set the password of '{user}' in Redis.");
        return 0;
    }

    private async Task<int> AclAsync(RedisSecurityAdmin admin, List<string> positional, bool show)
    {
        if (show)
        {
            output.Write(await admin.GetAclAsync().ConfigureAwait(false) ?? "");
            return 0;
        }

        if (positional.Count != 1)
            return Fail(2, "expected FILE (or --show).");
        string text = await File.ReadAllTextAsync(positional[0]).ConfigureAwait(false);
        AclFile rules = AclFile.Parse(text);
        if (rules.Errors.Count > 0)
            return Fail(1, $"{positional[0]} has {rules.Errors.Count} unusable line(s), nothing stored: " + string.Join("; ", rules.Errors.Take(5)));
        await admin.SetAclAsync(text).ConfigureAwait(false);
        output.WriteLine($"Stored the ACL of {positional[0]} in Redis: {rules.RuleCount} rule(s) for {rules.UserRules.Count} user(s) and {rules.Patterns.Count} pattern(s).");
        return 0;
    }

    private int Fail(int code, string message)
    {
        error.WriteLine("redis security: " + message);
        if (code == 2)
            error.WriteLine(Usage);
        return code;
    }
}
