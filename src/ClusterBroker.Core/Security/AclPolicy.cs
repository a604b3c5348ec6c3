using ClusterBroker.Topics;

namespace ClusterBroker.Core.Security;

/// <summary>
/// The ACL rules of one client, resolved from an <see cref="AclFile"/>: its user section (or the anonymous rules
/// when it has no user name) and every pattern with %c and %u substituted. A deny rule wins over every allow
/// rule, wherever either comes from; otherwise the first allow rule with the wanted access allows.
/// </summary>
/// <remarks>
/// Publish and Read match the topic name against each filter; Subscribe asks whether a rule covers the whole
/// requested filter (<see cref="FilterCoverage"/>), so "topic read sensors/#" grants "sensors/+/temp" but not
/// "#", and a deny only refuses subscriptions it covers entirely (partial overlaps are refused per delivery).
/// As in Mosquitto, a pattern is skipped for a client without a user name when it holds %u, and a client whose
/// client id or user name holds '+' or '#' is refused everything once patterns exist: substituted into a
/// filter those would widen it.
/// </remarks>
internal sealed class AclPolicy : IAccessPolicy
{
    private static readonly AclPolicy DenyAll = new([], [], denyAll: true);

    private readonly string[] _denies;
    private readonly AclRule[] _allows;
    private readonly bool _denyAll;

    private AclPolicy(string[] denies, AclRule[] allows, bool denyAll)
    {
        _denies = denies;
        _allows = allows;
        _denyAll = denyAll;
    }

    /// <summary>The client's rules; <paramref name="refusal"/> says why everything is refused when it is.</summary>
    public static AclPolicy For(AclFile file, AccessSubject subject, out string? refusal)
    {
        refusal = null;
        IReadOnlyList<AclRule> own = subject.Username is null
            ? file.AnonymousRules
            : file.UserRules.TryGetValue(subject.Username, out IReadOnlyList<AclRule>? rules) ? rules : [];
        var denies = new List<string>();
        var allows = new List<AclRule>();
        foreach (AclRule rule in own)
        {
            Add(rule, rule.Filter, denies, allows);
        }

        foreach (AclRule pattern in file.Patterns)
        {
            bool usesUser = pattern.Filter.Contains("%u", StringComparison.Ordinal);
            bool usesClient = pattern.Filter.Contains("%c", StringComparison.Ordinal);
            if (usesUser && subject.Username is null)
            {
                continue;
            }

            if ((usesClient && HasWildcard(subject.ClientId)) || (usesUser && HasWildcard(subject.Username!)))
            {
                refusal = $"its {(usesClient && HasWildcard(subject.ClientId) ? "client id" : "user name")} holds '+' or '#', which the ACL pattern on line {pattern.Line} would substitute into a filter";
                return DenyAll;
            }

            string filter = pattern.Filter;
            if (usesClient)
            {
                filter = filter.Replace("%c", subject.ClientId, StringComparison.Ordinal);
            }

            if (usesUser)
            {
                filter = filter.Replace("%u", subject.Username, StringComparison.Ordinal);
            }

            Add(pattern, filter, denies, allows);
        }

        return new AclPolicy(denies.ToArray(), allows.ToArray(), denyAll: false);
    }

    public AccessDecision Check(AccessKind kind, string topic)
    {
        if (_denyAll)
        {
            return AccessDecision.Denied;
        }

        bool subscribe = kind == AccessKind.Subscribe;
        foreach (string deny in _denies)
        {
            if (subscribe ? FilterCoverage.Covers(deny, topic) : TopicMatcher.IsMatch(deny, topic))
            {
                return AccessDecision.Denied;
            }
        }

        AclAccess wanted = kind == AccessKind.Publish ? AclAccess.Write : AclAccess.Read;
        foreach (AclRule allow in _allows)
        {
            if ((allow.Access & wanted) != 0 && (subscribe ? FilterCoverage.Covers(allow.Filter, topic) : TopicMatcher.IsMatch(allow.Filter, topic)))
            {
                return AccessDecision.Allowed;
            }
        }

        return AccessDecision.NoRule;
    }

    private static void Add(AclRule rule, string filter, List<string> denies, List<AclRule> allows)
    {
        if (rule.IsDeny)
        {
            denies.Add(filter);
        }
        else
        {
            allows.Add(rule with { Filter = filter });
        }
    }

    private static bool HasWildcard(string value) => value.AsSpan().ContainsAny('+', '#');
}
