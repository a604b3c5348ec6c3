using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using ClusterBroker.Core.Security;
using ClusterBroker.Host.Security;

namespace ClusterBroker.Host.Tests;

/// <summary>The passwd command: Mosquitto 2's password file format, written so that mosquitto and the broker read it.</summary>
public sealed class Passwd_Command_Tests : IDisposable
{
    private readonly DirectoryInfo _directory = Directory.CreateTempSubdirectory("cb-passwd-");
    private readonly StringWriter _output = new();
    private readonly StringWriter _error = new();

    private string FilePath => Path.Combine(_directory.FullName, "passwd");

    private int Run(string? stdin, params string[] args) =>
        new PasswdCommand(new StringReader(stdin ?? ""), _output, _error, readSecret: null).Execute(args);

    private PasswordFile Read() => PasswordFile.Parse(File.ReadAllText(FilePath));

    [Fact]
    public void A_new_file_is_created_readable_by_its_owner_only_with_a_7_PBKDF2_line()
    {
        Assert.Equal(0, Run(null, "--password", "s3cret", FilePath, "alice"));

        string line = Assert.Single(File.ReadAllLines(FilePath));
        Assert.StartsWith("alice:$7$101$", line);
        Assert.True(Read().Users["alice"].Verify("s3cret"u8));
        if (!OperatingSystem.IsWindows())
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(FilePath));
        Assert.DoesNotContain("s3cret", _output.ToString() + _error.ToString());
    }

    [Fact]
    public void Changing_a_user_keeps_every_other_line_in_place()
    {
        File.WriteAllLines(FilePath, ["# comment", "bob:" + PasswordHash.Create("b"u8), "alice:" + PasswordHash.Create("old"u8), "", "carol:" + PasswordHash.Create("c"u8)]);

        Assert.Equal(0, Run(null, "-b", FilePath, "alice", "new"));
        Assert.Equal(0, Run(null, "-b", FilePath, "dave", "d"));

        string[] lines = File.ReadAllLines(FilePath);
        Assert.Equal(["# comment", "bob", "alice", "", "carol", "dave"], lines.Select(l => l.Split(':')[0]));
        PasswordFile file = Read();
        Assert.True(file.Users["alice"].Verify("new"u8));
        Assert.True(file.Users["bob"].Verify("b"u8));
    }

    [Fact]
    public void D_deletes_a_user_and_an_unknown_user_is_an_error()
    {
        Run(null, "-b", FilePath, "alice", "a");
        Run(null, "-b", FilePath, "bob", "b");

        Assert.Equal(0, Run(null, "-D", FilePath, "alice"));
        Assert.Equal(["bob"], Read().Users.Keys);
        Assert.Equal(1, Run(null, "-D", FilePath, "alice"));
        Assert.Contains("not in", _error.ToString());
    }

    [Fact]
    public void C_starts_a_new_file()
    {
        Run(null, "-b", FilePath, "alice", "a");
        Assert.Equal(0, Run(null, "-c", "-b", FilePath, "bob", "b"));
        Assert.Equal(["bob"], Read().Users.Keys);
    }

    [Fact]
    public void The_password_is_read_from_standard_input_when_it_is_not_a_terminal()
    {
        Assert.Equal(0, Run("piped\n", FilePath, "alice"));
        Assert.True(Read().Users["alice"].Verify("piped"u8));
    }

    [Fact]
    public void Prompted_passwords_must_match()
    {
        var answers = new Queue<string>(["one", "two"]);
        var command = new PasswdCommand(new StringReader(""), _output, _error, _ => answers.Dequeue());
        Assert.Equal(1, command.Execute([FilePath, "alice"]));
        Assert.Contains("do not match", _error.ToString());
        Assert.False(File.Exists(FilePath));
    }

    [Theory]
    [InlineData("a:b")]
    [InlineData("")]
    [InlineData(" padded")]
    public void A_user_name_the_format_cannot_hold_is_refused(string user)
    {
        Assert.Equal(2, Run(null, "-b", FilePath, user, "pw"));
    }

    [Fact]
    public void Wrong_arguments_print_the_usage_with_exit_code_2()
    {
        Assert.Equal(2, Run(null, FilePath));
        Assert.Equal(2, Run(null, "--bogus", FilePath, "u"));
        Assert.Contains("Usage: ClusterBroker.Host passwd", _error.ToString());
    }

    [Fact]
    public void A_file_mosquitto_passwd_wrote_is_edited_and_still_read()
    {
        RunTool("mosquitto_passwd", "-c", "-b", FilePath, "alice", "from-mosquitto");
        Assert.Equal(0, Run(null, "--scram", "-b", FilePath, "bob", "from-us"));
        RunTool("mosquitto_passwd", "-b", FilePath, "carol", "again-mosquitto");

        PasswordFile file = Read();
        Assert.Empty(file.Errors);
        Assert.True(file.Users["alice"].Verify("from-mosquitto"u8));
        Assert.True(file.Users["bob"].Verify("from-us"u8));
        Assert.True(file.Users["carol"].Verify("again-mosquitto"u8));
        Assert.Equal(["bob"], file.Scram.Keys); // mosquitto_passwd kept bob's line, SCRAM field included
    }

    [Fact]
    public async Task Mosquitto_accepts_the_users_of_a_file_the_executable_wrote_SCRAM_field_included()
    {
        using (HostProcess passwd = HostProcess.Start("passwd", "--scram", "--password", "ours", FilePath, "alice"))
            Assert.Equal(0, await passwd.WaitForExitAsync(TimeSpan.FromSeconds(60)));

        int port = HostProcess.FreePort();
        string config = Path.Combine(_directory.FullName, "mosquitto.conf");
        File.WriteAllText(config, $"user root\nlistener {port} 127.0.0.1\nallow_anonymous false\npassword_file {FilePath}\npersistence false\nlog_dest stdout\n");
        using Process mosquitto = Process.Start(new ProcessStartInfo("mosquitto", ["-c", config]) { RedirectStandardOutput = true, RedirectStandardError = true })!;
        try
        {
            await WaitForPortAsync(port);
            Assert.Equal(0, RunTool("mosquitto_pub", "-h", "127.0.0.1", "-p", port.ToString(), "-u", "alice", "-P", "ours", "-t", "t", "-m", "m", "-q", "1"));
            Assert.NotEqual(0, RunTool("mosquitto_pub", expectSuccess: false, "-h", "127.0.0.1", "-p", port.ToString(), "-u", "alice", "-P", "wrong", "-t", "t", "-m", "m", "-q", "1"));
        }
        finally
        {
            mosquitto.Kill();
            mosquitto.WaitForExit(10_000);
        }
    }

    public void Dispose()
    {
        _directory.Delete(recursive: true);
    }

    private static int RunTool(string tool, params string[] args) => RunTool(tool, expectSuccess: true, args);

    private static int RunTool(string tool, bool expectSuccess, params string[] args)
    {
        using Process process = Process.Start(new ProcessStartInfo(tool, args) { RedirectStandardOutput = true, RedirectStandardError = true })!;
        string output = process.StandardOutput.ReadToEnd() + process.StandardError.ReadToEnd();
        Assert.True(process.WaitForExit(30_000), $"{tool} did not exit");
        if (expectSuccess)
            Assert.True(process.ExitCode == 0, $"{tool} exited with {process.ExitCode}: {output}");
        return process.ExitCode;
    }

    private static async Task WaitForPortAsync(int port)
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        while (true)
        {
            try
            {
                using var client = new TcpClient();
                await client.ConnectAsync(IPAddress.Loopback, port, cts.Token);
                return;
            }
            catch (SocketException)
            {
                await Task.Delay(20, cts.Token);
            }
        }
    }
}
