namespace ClusterBroker.Core.Security;

/// <summary>
/// The authorization state of one connection: the client's <see cref="IAccessPolicy"/> and the decisions
/// already taken for topic names, so that a connection publishing or receiving on the same topics asks the
/// policy once per topic (one dictionary lookup per message afterwards). When the authorizer's
/// <see cref="IAuthorizer.Version"/> changes (the rules were reloaded) the policy is resolved again and the
/// cached decisions are dropped, so a new rule applies to live connections from their next message.
/// </summary>
/// <remarks>
/// Built-in rules, with or without an authorizer: no client publishes to a topic starting with '$'
/// (they belong to the broker, [MQTT-4.7.2-1]); $SYS topics are readable by every client unless a rule
/// denies them explicitly. Not thread-safe: used on the connection's executor only.
/// Each cache holds at most <see cref="CacheLimit"/> topics and starts over when full, so a client
/// cycling through unique topics costs one policy check per message, never unbounded memory.
/// </remarks>
public sealed class ConnectionAccess
{
    /// <summary>Most topic names remembered per direction.</summary>
    public const int CacheLimit = 256;

    private readonly IAuthorizer _authorizer;
    private readonly AccessSubject _subject;
    private IAccessPolicy? _policy;
    private int _version;
    private Dictionary<string, bool>? _publish;
    private Dictionary<string, bool>? _read;

    public ConnectionAccess(IAuthorizer authorizer, AccessSubject subject)
    {
        ArgumentNullException.ThrowIfNull(authorizer);
        ArgumentNullException.ThrowIfNull(subject);
        _authorizer = authorizer;
        _subject = subject;
    }

    public AccessSubject Subject => _subject;

    /// <summary>True for a topic starting with '$': the broker's own (such as $SYS), never published to by a client.</summary>
    public static bool IsReservedForTheBroker(string topic) => topic.Length > 0 && topic[0] == '$';

    /// <summary>May the client publish to this topic name (a PUBLISH or its Will)?</summary>
    public bool MayPublish(string topic) =>
        !IsReservedForTheBroker(topic) && Cached(ref _publish, AccessKind.Publish, topic);

    /// <summary>May the client receive a message published on this topic name?</summary>
    public bool MayRead(string topic) => Cached(ref _read, AccessKind.Read, topic);

    /// <summary>May the client subscribe with this filter (the filter of a shared subscription, without its prefix)? Not cached.</summary>
    public bool MaySubscribe(string filter) => Decide(CurrentPolicy(), AccessKind.Subscribe, filter);

    private bool Cached(ref Dictionary<string, bool>? cache, AccessKind kind, string topic)
    {
        IAccessPolicy policy = CurrentPolicy();
        if (cache is not null && cache.TryGetValue(topic, out bool cached))
        {
            return cached;
        }

        bool allowed = Decide(policy, kind, topic);
        cache ??= new Dictionary<string, bool>(StringComparer.Ordinal);
        if (cache.Count >= CacheLimit)
        {
            cache.Clear();
        }

        cache[topic] = allowed;
        return allowed;
    }

    private IAccessPolicy CurrentPolicy()
    {
        int version = _authorizer.Version;
        if (_policy is null || version != _version)
        {
            // Version first, then the policy: a reload in between leaves an older version number, so the next call resolves again.
            _version = version;
            _policy = _authorizer.GetPolicy(_subject);
            _publish?.Clear();
            _read?.Clear();
        }

        return _policy;
    }

    private static bool Decide(IAccessPolicy policy, AccessKind kind, string topic) => policy.Check(kind, topic) switch
    {
        AccessDecision.Allowed => true,
        AccessDecision.Denied => false,
        _ => kind != AccessKind.Publish && IsSysTopic(topic),
    };

    private static bool IsSysTopic(string topic) =>
        topic.StartsWith("$SYS", StringComparison.Ordinal) && (topic.Length == 4 || topic[4] == '/');
}
