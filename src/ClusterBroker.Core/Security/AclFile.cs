using ClusterBroker.Topics;

namespace ClusterBroker.Core.Security;

/// <summary>
/// An ACL file in Mosquitto's format, parsed (no I/O: the host reads the file). One rule per line:
/// <code>
/// # comment
/// topic [read|write|readwrite|deny] FILTER     rules before any user line: clients without a user name
/// user NAME                                    the topic lines below apply to this user
/// pattern [read|write|readwrite|deny] FILTER   every client; %c = its client id, %u = its user name
/// </code>
/// The access defaults to readwrite; the filter is the rest of the line (it may hold spaces) and must be a
/// valid MQTT topic filter. Several sections of one user add up. Unusable lines are collected in
/// <see cref="Errors"/> with their line numbers (the caller decides what a broken file means; the host keeps
/// the previous rules rather than apply a file that lost a deny line).
/// </summary>
public sealed class AclFile
{
    private static readonly IReadOnlyDictionary<string, IReadOnlyList<AclRule>> NoUsers = new Dictionary<string, IReadOnlyList<AclRule>>();

    private AclFile(
        IReadOnlyList<AclRule> anonymous,
        IReadOnlyDictionary<string, IReadOnlyList<AclRule>> users,
        IReadOnlyList<AclRule> patterns,
        IReadOnlyList<SecurityFileError> errors,
        int ruleCount)
    {
        AnonymousRules = anonymous;
        UserRules = users;
        Patterns = patterns;
        Errors = errors;
        RuleCount = ruleCount;
    }

    /// <summary>A file without rules: every topic is refused (except the built-in $SYS read access).</summary>
    public static AclFile Empty { get; } = new([], NoUsers, [], [], 0);

    /// <summary>The topic lines before the first user line: they apply to clients that connected without a user name.</summary>
    public IReadOnlyList<AclRule> AnonymousRules { get; }

    /// <summary>The topic lines of each user section, by user name (ordinal).</summary>
    public IReadOnlyDictionary<string, IReadOnlyList<AclRule>> UserRules { get; }

    /// <summary>The pattern lines, which apply to every client after substituting %c and %u.</summary>
    public IReadOnlyList<AclRule> Patterns { get; }

    /// <summary>Lines that could not be used, in file order.</summary>
    public IReadOnlyList<SecurityFileError> Errors { get; }

    /// <summary>Number of topic and pattern rules read.</summary>
    public int RuleCount { get; }

    public static AclFile Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var anonymous = new List<AclRule>();
        var users = new Dictionary<string, List<AclRule>>(StringComparer.Ordinal);
        var patterns = new List<AclRule>();
        var errors = new List<SecurityFileError>();
        List<AclRule> current = anonymous;
        int count = 0;
        int number = 0;
        foreach (ReadOnlySpan<char> raw in text.AsSpan().EnumerateLines())
        {
            number++;
            ReadOnlySpan<char> line = raw.Trim();
            if (line.IsEmpty || line[0] == '#')
            {
                continue;
            }

            int space = line.IndexOfAny(' ', '\t');
            ReadOnlySpan<char> keyword = space < 0 ? line : line[..space];
            ReadOnlySpan<char> rest = space < 0 ? [] : line[(space + 1)..].TrimStart();
            switch (keyword)
            {
                case "user":
                    if (rest.IsEmpty)
                    {
                        errors.Add(new SecurityFileError(number, "'user' without a user name."));
                        continue;
                    }

                    string name = rest.ToString();
                    if (!users.TryGetValue(name, out List<AclRule>? section))
                    {
                        users[name] = section = new List<AclRule>();
                    }

                    current = section;
                    break;

                case "topic":
                case "pattern":
                    if (!TryParseRule(keyword, rest, number, errors, out AclRule rule))
                    {
                        continue;
                    }

                    (keyword is "pattern" ? patterns : current).Add(rule);
                    count++;
                    break;

                default:
                    errors.Add(new SecurityFileError(number, $"unknown keyword '{Shorten(keyword)}' (expected user, topic or pattern)."));
                    break;
            }
        }

        var frozenUsers = new Dictionary<string, IReadOnlyList<AclRule>>(users.Count, StringComparer.Ordinal);
        foreach ((string user, List<AclRule> rules) in users)
        {
            frozenUsers[user] = rules.ToArray();
        }

        return new AclFile(anonymous.ToArray(), frozenUsers, patterns.ToArray(), errors.ToArray(), count);
    }

    private static bool TryParseRule(ReadOnlySpan<char> keyword, ReadOnlySpan<char> rest, int number, List<SecurityFileError> errors, out AclRule rule)
    {
        rule = default;
        if (rest.IsEmpty)
        {
            errors.Add(new SecurityFileError(number, $"'{keyword}' without a topic filter."));
            return false;
        }

        // "topic FILTER" or "topic ACCESS FILTER" (Mosquitto's reading: one word is the filter).
        AclAccess access = AclAccess.ReadWrite;
        ReadOnlySpan<char> filter = rest;
        int space = rest.IndexOfAny(' ', '\t');
        if (space >= 0)
        {
            ReadOnlySpan<char> word = rest[..space];
            filter = rest[(space + 1)..].Trim();
            switch (word)
            {
                case "read":
                    access = AclAccess.Read;
                    break;
                case "write":
                    access = AclAccess.Write;
                    break;
                case "readwrite":
                    access = AclAccess.ReadWrite;
                    break;
                case "deny":
                    access = AclAccess.Deny;
                    break;
                default:
                    errors.Add(new SecurityFileError(number, $"unknown access '{Shorten(word)}' (expected read, write, readwrite or deny)."));
                    return false;
            }
        }

        TopicValidationResult validation = TopicValidator.ValidateTopicFilter(filter);
        if (!validation.IsValid)
        {
            errors.Add(new SecurityFileError(number, $"invalid topic filter '{Shorten(filter)}': {validation.Message}"));
            return false;
        }

        rule = new AclRule(filter.ToString(), access, number);
        return true;
    }

    private static string Shorten(ReadOnlySpan<char> value) =>
        value.Length <= 80 ? value.ToString() : string.Concat(value[..80], "...");
}
