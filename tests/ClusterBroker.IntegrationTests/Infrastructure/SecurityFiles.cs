namespace ClusterBroker.IntegrationTests.Infrastructure;

/// <summary>
/// A temporary directory holding a password file (written by mosquitto_passwd, Debian's mosquitto package) and
/// an ACL file, deleted on dispose.
/// </summary>
public sealed class SecurityFiles : IAsyncDisposable
{
    private readonly DirectoryInfo _directory = Directory.CreateTempSubdirectory("clusterbroker-security-");

    public string PasswordFile => Path.Combine(_directory.FullName, "passwd");

    public string AclFile => Path.Combine(_directory.FullName, "acl");

    /// <summary>Adds or changes a user with mosquitto_passwd -b; <paramref name="sha512"/> writes the older $6$ form (-H sha512).</summary>
    public async Task AddUserAsync(string user, string password, bool sha512 = false)
    {
        var arguments = new List<string>();
        if (sha512)
        {
            arguments.AddRange(["-H", "sha512"]);
        }
        if (!File.Exists(PasswordFile))
        {
            arguments.Add("-c");
        }
        arguments.AddRange(["-b", PasswordFile, user, password]);
        await using var passwd = ExternalProcess.Start("mosquitto_passwd", [.. arguments]);
        int exitCode = await passwd.WaitForExitAsync();
        Assert.True(exitCode == 0, $"mosquitto_passwd exited with {exitCode}: {passwd.Describe()}");
    }

    /// <summary>
    /// Replaces the ACL file as an editor that saves atomically does (a temporary file renamed over it): written in
    /// place, a loaded machine can leave the file empty for longer than the test's 100 ms check interval, and the
    /// broker would rightly apply that empty ACL for a moment.
    /// </summary>
    public void WriteAcl(string text)
    {
        string temporary = AclFile + ".tmp";
        File.WriteAllText(temporary, text);
        File.Move(temporary, AclFile, overwrite: true);
    }

    public ValueTask DisposeAsync()
    {
        try
        {
            _directory.Delete(recursive: true);
        }
        catch (IOException)
        {
        }
        return ValueTask.CompletedTask;
    }
}
