using ClusterBroker.Host.Security;
using Microsoft.Extensions.Configuration;

namespace ClusterBroker.Host.Tests;

/// <summary>The Security section: its switches, defaults and validation.</summary>
public sealed class Security_Options_Tests : IDisposable
{
    private readonly DirectoryInfo _directory = Directory.CreateTempSubdirectory("cb-security-options-");

    private static BrokerHostSettings Bind(params string[] args) =>
        HostConfiguration.Bind(new ConfigurationBuilder().AddCommandLine(args, new Dictionary<string, string>(HostConfiguration.Switches, StringComparer.OrdinalIgnoreCase)).Build());

    private string File(string name, string text)
    {
        string path = Path.Combine(_directory.FullName, name);
        System.IO.File.WriteAllText(path, text);
        return path;
    }

    [Fact]
    public void The_security_switches_set_the_Security_section()
    {
        string passwd = File("passwd", "");
        string acl = File("acl", "");
        Assert.Empty(OptionsChecker.Default.CheckArguments(["--allow-anonymous", "false", "--password-file", passwd, "--acl-file", acl, "--Security:BanDuration", "00:10:00"]));

        SecurityOptions security = Bind("--allow-anonymous", "false", "--password-file", passwd, "--acl-file", acl, "--Security:BanDuration", "00:10:00").Security;

        Assert.Equal((false, passwd, acl, TimeSpan.FromMinutes(10)), (security.AllowAnonymous, security.PasswordFile, security.AclFile, security.BanDuration));
    }

    [Fact]
    public void Users_and_ACL_from_Redis_need_Redis_exclude_the_files_and_refuse_anonymous_clients_by_default()
    {
        SecurityOptions security = Bind("--redis-users", "true", "--redis-acl", "true", "--redis", "127.0.0.1:6379").Security;
        Assert.Equal((true, true, false), (security.RedisUsers, security.RedisAcl, security.AnonymousAllowed));

        ArgumentException withoutRedis = Assert.Throws<ArgumentException>(() => Bind("--redis-users", "true"));
        Assert.Contains("give --redis HOST:PORT", withoutRedis.Message, StringComparison.Ordinal);

        string passwd = File("passwd", "");
        string acl = File("acl", "");
        ArgumentException both = Assert.Throws<ArgumentException>(() => Bind("--redis", "127.0.0.1:6379", "--redis-users", "true", "--password-file", passwd, "--redis-acl", "true", "--acl-file", acl));
        Assert.Contains("choose one source of users", both.Message, StringComparison.Ordinal);
        Assert.Contains("choose one source of ACL rules", both.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Anonymous_access_is_allowed_by_default_only_without_a_password_file()
    {
        Assert.True(new SecurityOptions().AnonymousAllowed);
        Assert.False(new SecurityOptions { PasswordFile = "p" }.AnonymousAllowed);
        Assert.True(new SecurityOptions { PasswordFile = "p", AllowAnonymous = true }.AnonymousAllowed);
        Assert.False(new SecurityOptions { AllowAnonymous = false }.AnonymousAllowed);
    }

    [Fact]
    public void A_missing_file_or_a_value_that_is_no_boolean_is_refused_with_the_setting_named()
    {
        var missing = Assert.Throws<ArgumentException>(() => Bind("--password-file", Path.Combine(_directory.FullName, "nope"), "--acl-file", Path.Combine(_directory.FullName, "nope2")));
        Assert.Contains("Security:PasswordFile", missing.Message);
        Assert.Contains("Security:AclFile", missing.Message);

        var notBoolean = Assert.Throws<ArgumentException>(() => Bind("--allow-anonymous", "maybe"));
        Assert.Contains("AllowAnonymous", notBoolean.Message);
    }

    [Fact]
    public async Task A_broker_without_security_options_says_loudly_that_it_is_open()
    {
        var logs = new ListLoggerFactory();
        await using BrokerHost host = await BrokerHost.StartAsync(new BrokerHostSettings
        {
            Transport = new Transport.TransportOptions { BindAddress = "127.0.0.1", Port = 0 },
        }, logs);
        Assert.Contains(logs.Warnings, line => line.Contains("THE BROKER IS OPEN", StringComparison.Ordinal));
    }

    public void Dispose() => _directory.Delete(recursive: true);
}
