namespace ClusterBroker.Topics;

/// <summary>
/// A parsed shared subscription: <c>$share/{Group}/{Filter}</c> (MQTT 5, section 4.8.2) or the legacy
/// <c>$queue/{Filter}</c>, which is the group named <see cref="QueueGroup"/>.
/// </summary>
/// <param name="Group">The share name; <see cref="QueueGroup"/> for <c>$queue/</c>.</param>
/// <param name="Filter">The topic filter messages are matched against (valid, non-empty).</param>
/// <param name="IsQueue">True when the subscription was written <c>$queue/{Filter}</c>.</param>
public readonly record struct SharedSubscriptionFilter(string Group, string Filter, bool IsQueue)
{
    /// <summary>Prefix of MQTT 5 shared subscriptions.</summary>
    public const string SharePrefix = "$share/";

    /// <summary>Prefix of legacy (EMQX-style) queue subscriptions.</summary>
    public const string QueuePrefix = "$queue/";

    /// <summary>The group name given to <c>$queue/</c> subscriptions.</summary>
    public const string QueueGroup = "$queue";

    /// <summary>
    /// True when the filter is written as a shared subscription (starts with <c>$share/</c> or <c>$queue/</c>),
    /// valid or not. A bare <c>$share</c> is an ordinary filter.
    /// </summary>
    public static bool IsShared(ReadOnlySpan<char> subscriptionFilter) =>
        subscriptionFilter.StartsWith(SharePrefix, StringComparison.Ordinal) ||
        subscriptionFilter.StartsWith(QueuePrefix, StringComparison.Ordinal);

    /// <summary>Parses and validates a shared subscription filter against the spec limits.</summary>
    public static TopicValidationResult Parse(string subscriptionFilter, out SharedSubscriptionFilter shared) =>
        Parse(subscriptionFilter, TopicLimits.Default, out shared);

    /// <summary>
    /// Parses and validates a shared subscription filter. The length limits apply to the whole string,
    /// the level limit to the topic filter part. A filter that is not shared at all yields
    /// <see cref="TopicError.ShareNameEmpty"/>; check <see cref="IsShared"/> first.
    /// </summary>
    public static TopicValidationResult Parse(string subscriptionFilter, TopicLimits limits, out SharedSubscriptionFilter shared)
    {
        ArgumentNullException.ThrowIfNull(subscriptionFilter);
        shared = default;
        ReadOnlySpan<char> s = subscriptionFilter;
        string group;
        int filterStart;
        bool isQueue;
        if (s.StartsWith(QueuePrefix, StringComparison.Ordinal))
        {
            group = QueueGroup;
            filterStart = QueuePrefix.Length;
            isQueue = true;
        }
        else if (s.StartsWith(SharePrefix, StringComparison.Ordinal))
        {
            ReadOnlySpan<char> rest = s[SharePrefix.Length..];
            int slash = rest.IndexOf('/');
            ReadOnlySpan<char> shareName = slash < 0 ? rest : rest[..slash];
            if (shareName.Length == 0)
            {
                return new TopicValidationResult(TopicError.ShareNameEmpty);
            }

            if (shareName.ContainsAny('+', '#'))
            {
                return new TopicValidationResult(TopicError.ShareNameInvalid);
            }

            if (slash < 0)
            {
                return new TopicValidationResult(TopicError.SharedFilterMissing);
            }

            group = shareName.ToString();
            filterStart = SharePrefix.Length + slash + 1;
            isQueue = false;
        }
        else
        {
            return new TopicValidationResult(TopicError.ShareNameEmpty);
        }

        ReadOnlySpan<char> filter = s[filterStart..];
        if (filter.Length == 0)
        {
            return new TopicValidationResult(TopicError.SharedFilterMissing);
        }

        // The whole string must respect the length limits (it is what travels on the wire)...
        TopicValidationResult whole = TopicValidator.Validate(s, isFilter: true, new TopicLimits(limits.MaxLengthBytes, 0));
        if (!whole.IsValid && whole.Error is TopicError.TooLong or TopicError.ExceedsMaxLength or TopicError.NullCharacter or TopicError.IllFormedUtf8)
        {
            return whole;
        }

        // ...and the filter part must be a valid topic filter within the level limit.
        TopicValidationResult inner = TopicValidator.Validate(filter, isFilter: true, new TopicLimits(0, limits.MaxLevels));
        if (!inner.IsValid)
        {
            return inner;
        }

        shared = new SharedSubscriptionFilter(group, filter.ToString(), isQueue);
        return TopicValidationResult.Ok;
    }

    /// <summary>The subscription as written by the client.</summary>
    public override string ToString() => IsQueue ? QueuePrefix + Filter : SharePrefix + Group + "/" + Filter;
}
