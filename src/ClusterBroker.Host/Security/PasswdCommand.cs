using System.Globalization;
using System.Text;
using ClusterBroker.Core.Security;

namespace ClusterBroker.Host.Security;

/// <summary>
/// <c>ClusterBroker.Host passwd</c>: manages a password file in Mosquitto 2's format (the same lines
/// mosquitto_passwd writes, so either tool may edit a file the other wrote):
/// <code>
/// passwd FILE USER                       add or change USER, asking for the password twice (not echoed)
/// passwd --password P FILE USER          the same with the password given
/// passwd -b FILE USER PASSWORD           batch mode, as mosquitto_passwd -b
/// passwd -D FILE USER                    delete USER
/// passwd -c ...                          start a new file (replacing an existing one)
/// --iterations N                         PBKDF2 iterations (default 101, as mosquitto_passwd)
/// --scram                                also store SCRAM-SHA-256/512 keys (a third field Mosquitto ignores)
/// </code>
/// A missing file is created (readable by its owner only). Exit codes: 0 done, 1 failed, 2 usage error.
/// Never prints a password or a hash.
/// </summary>
internal sealed class PasswdCommand(TextReader input, TextWriter output, TextWriter error, Func<string, string?>? readSecret)
{
    public const string Usage = """
        Usage: ClusterBroker.Host passwd [-c] [--scram] [--iterations N] [--password P] FILE USER
               ClusterBroker.Host passwd [-c] [--scram] -b FILE USER PASSWORD
               ClusterBroker.Host passwd -D FILE USER
          -c               create a new file, replacing an existing one
          -b               batch mode: the password is the third argument
          -D               delete the user
          --password P     the password (else it is asked for twice, or read from standard input when redirected)
          --iterations N   PBKDF2-SHA512 iterations (default 101)
          --scram          also store the user's SCRAM-SHA-256/512 keys (4096 iterations) for MQTT 5 enhanced
                           authentication; mosquitto ignores this third field of the line
        The file uses Mosquitto 2's format (user:$7$...), readable by mosquitto and editable with mosquitto_passwd.
        """;

    /// <summary>Runs the command with the console: prompts without echo when standard input is a terminal, else reads a line from it.</summary>
    public static int Run(string[] args) =>
        new PasswdCommand(Console.In, Console.Out, Console.Error, Console.IsInputRedirected ? null : ReadHiddenLine).Execute(args);

    public int Execute(IReadOnlyList<string> args)
    {
        bool create = false, batch = false, delete = false, scram = false;
        string? password = null;
        int iterations = PasswordHash.DefaultIterations;
        var positional = new List<string>();
        for (int i = 0; i < args.Count; i++)
        {
            string arg = args[i];
            switch (arg)
            {
                case "-h" or "--help":
                    output.WriteLine(Usage);
                    return 0;
                case "-c":
                    create = true;
                    break;
                case "-b":
                    batch = true;
                    break;
                case "-D":
                    delete = true;
                    break;
                case "--scram":
                    scram = true;
                    break;
                case "--password" when i + 1 < args.Count:
                    password = args[++i];
                    break;
                case "--iterations" when i + 1 < args.Count:
                    if (!int.TryParse(args[++i], NumberStyles.None, CultureInfo.InvariantCulture, out iterations) || iterations < 1)
                        return Fail(2, "--iterations takes a positive number.");
                    break;
                default:
                    if (arg.StartsWith('-') && arg.Length > 1)
                        return Fail(2, $"unknown option '{arg}'.");
                    positional.Add(arg);
                    break;
            }
        }

        int expected = batch ? 3 : 2;
        if (positional.Count != expected || (delete && (batch || create || password is not null)))
            return Fail(2, delete ? "-D takes FILE USER and no password." : $"expected {(batch ? "FILE USER PASSWORD" : "FILE USER")}.");

        string file = positional[0];
        string user = positional[1];
        if (ValidateUser(user) is { } userProblem)
            return Fail(2, userProblem);

        try
        {
            PasswordFileEditor editor = PasswordFileEditor.Open(file, truncate: create);
            if (delete)
            {
                if (!editor.Exists || !editor.Delete(user))
                    return Fail(1, $"user '{user}' is not in {file}.");
                editor.Save();
                output.WriteLine($"Deleted user '{user}' from {file}.");
                return 0;
            }

            password ??= batch ? positional[2] : AskPassword();
            if (password is null)
                return 1; // AskPassword said why
            if (password.Length == 0)
                return Fail(2, "the password must not be empty.");
            if (Encoding.UTF8.GetByteCount(password) > 65_535)
                return Fail(2, "the password is longer than MQTT allows (65,535 bytes).");

            byte[] secret = Encoding.UTF8.GetBytes(password);
            editor.Set(user, PasswordHash.Create(secret, iterations), scram ? ScramCredentials.Create(secret) : null);
            editor.Save();
            output.WriteLine(editor.Exists && !create ? $"Set the password of '{user}' in {file}." : $"Created {file} with user '{user}'.");
            return 0;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return Fail(1, ex.Message);
        }
    }

    internal static string? ValidateUser(string user)
    {
        if (user.Length == 0)
            return "the user name must not be empty.";
        if (user.Contains(':', StringComparison.Ordinal))
            return "the user name must not contain ':' (it separates the user from the hash).";
        if (user.AsSpan().ContainsAny('\r', '\n') || user.Contains('\0', StringComparison.Ordinal))
            return "the user name must not contain line breaks or NUL.";
        if (user.Trim().Length != user.Length)
            return "the user name must not start or end with blanks (the file format trims them).";
        if (Encoding.UTF8.GetByteCount(user) > 65_535)
            return "the user name is longer than MQTT allows (65,535 bytes).";
        return null;
    }

    private string? AskPassword()
    {
        if (readSecret is null)
            return input.ReadLine();
        string? first = readSecret("Password: ");
        string? second = readSecret("Reenter password: ");
        if (first is null || second is null)
        {
            Fail(1, "no password given.");
            return null;
        }

        if (first != second)
        {
            Fail(1, "the passwords do not match.");
            return null;
        }

        return first;
    }

    private int Fail(int code, string message)
    {
        error.WriteLine("passwd: " + message);
        if (code == 2)
            error.WriteLine(Usage);
        return code;
    }

    private static string? ReadHiddenLine(string prompt)
    {
        Console.Write(prompt);
        var line = new StringBuilder();
        while (true)
        {
            ConsoleKeyInfo key = Console.ReadKey(intercept: true);
            if (key.Key == ConsoleKey.Enter)
            {
                Console.WriteLine();
                return line.ToString();
            }

            if (key.Key == ConsoleKey.Backspace)
            {
                if (line.Length > 0)
                    line.Length--;
            }
            else if (key.KeyChar != '\0')
            {
                line.Append(key.KeyChar);
            }
        }
    }
}
