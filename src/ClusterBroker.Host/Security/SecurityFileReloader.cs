using System.Runtime.InteropServices;
using ClusterBroker.Core.Security;
using Microsoft.Extensions.Logging;

namespace ClusterBroker.Host.Security;

/// <summary>
/// Keeps the password file and the ACL file in force as they change: checks them every
/// <see cref="SecurityOptions.ReloadCheckInterval"/> and at once on SIGHUP, and puts a changed file in force
/// for every connection (live ones keep their connection; the ACL applies from their next message).
/// A password file's unusable lines are reported and those users cannot log in; an ACL with an unusable
/// line is not applied at all (a lost deny line would widen access): the previous rules stay, with an error
/// naming each line.
/// </summary>
internal sealed class SecurityFileReloader : IDisposable
{
    private readonly WatchedFile? _passwordFile;
    private readonly PasswordFileAuthenticator? _authenticator;
    private readonly WatchedFile? _aclFile;
    private readonly AclAuthorizer? _authorizer;
    private readonly ILogger _logger;
    private readonly Lock _gate = new();
    private readonly Timer? _timer;
    private readonly PosixSignalRegistration? _hangUp;

    public SecurityFileReloader(
        WatchedFile? passwordFile,
        PasswordFileAuthenticator? authenticator,
        WatchedFile? aclFile,
        AclAuthorizer? authorizer,
        TimeSpan interval,
        ILogger logger)
    {
        _passwordFile = passwordFile;
        _authenticator = authenticator;
        _aclFile = aclFile;
        _authorizer = authorizer;
        _logger = logger;
        if (interval > TimeSpan.Zero)
            _timer = new Timer(_ => Check(force: false), null, interval, interval);
        try
        {
            _hangUp = PosixSignalRegistration.Create(PosixSignal.SIGHUP, context =>
            {
                context.Cancel = true; // reload, do not terminate
                _logger.LogInformation("Security: SIGHUP received, checking the password and ACL files");
                ThreadPool.QueueUserWorkItem(_ => Check(force: true));
            });
        }
        catch (PlatformNotSupportedException)
        {
            _hangUp = null;
        }
    }

    /// <summary>Reads both files now and applies what changed.</summary>
    public void Check(bool force)
    {
        lock (_gate)
        {
            try
            {
                if (_passwordFile is not null && _authenticator is not null && _passwordFile.ReadIfChanged(force) is { } users)
                    ApplyPasswords(users);
                if (_aclFile is not null && _authorizer is not null && _aclFile.ReadIfChanged(force) is { } rules)
                    ApplyAcl(rules);
            }
            catch (IOException ex)
            {
                _logger.LogError("Security: could not read a security file ({Error}); the rules in force stay", ex.Message);
            }
            catch (UnauthorizedAccessException ex)
            {
                _logger.LogError("Security: could not read a security file ({Error}); the rules in force stay", ex.Message);
            }
        }
    }

    public void Dispose()
    {
        _hangUp?.Dispose();
        _timer?.Dispose();
    }

    /// <summary>Logs each unusable line (at most 20, then a count), never a secret: the parsers do not quote hashes or passwords.</summary>
    internal static void LogErrors(ILogger logger, LogLevel level, string kind, string path, IReadOnlyList<SecurityFileError> errors)
    {
        for (int i = 0; i < errors.Count && i < 20; i++)
            logger.Log(level, "Security: {Kind} {Path} line {Line}: {Problem}", kind, path, errors[i].Line, errors[i].Message);
        if (errors.Count > 20)
            logger.Log(level, "Security: {Kind} {Path}: {More} more unusable line(s)", kind, path, errors.Count - 20);
    }

    private void ApplyPasswords(string text)
    {
        PasswordFile users = PasswordFile.Parse(text);
        LogErrors(_logger, LogLevel.Warning, "password file", _passwordFile!.Path, users.Errors);
        _authenticator!.Replace(users);
        _logger.LogInformation("Security: password file {Path} reloaded: {Users} user(s); connected clients stay connected", _passwordFile.Path, users.Users.Count);
    }

    private void ApplyAcl(string text)
    {
        AclFile rules = AclFile.Parse(text);
        if (rules.Errors.Count > 0)
        {
            LogErrors(_logger, LogLevel.Error, "ACL file", _aclFile!.Path, rules.Errors);
            _logger.LogError("Security: ACL file {Path} NOT reloaded: {Count} unusable line(s); the previous rules stay in force until it is fixed", _aclFile.Path, rules.Errors.Count);
            return;
        }

        _authorizer!.Replace(rules);
        _logger.LogInformation(
            "Security: ACL file {Path} reloaded: {Rules} rule(s) for {Users} user(s) and {Patterns} pattern(s); in force for connected clients from their next message",
            _aclFile!.Path, rules.RuleCount, rules.UserRules.Count, rules.Patterns.Count);
    }
}
