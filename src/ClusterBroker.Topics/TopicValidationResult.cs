namespace ClusterBroker.Topics;

/// <summary>
/// Outcome of validating a topic name or filter: <see cref="TopicError.None"/> or the rule broken.
/// A value type with constant messages, so validation allocates nothing, even on failure.
/// </summary>
public readonly record struct TopicValidationResult(TopicError Error)
{
    /// <summary>The valid result.</summary>
    public static TopicValidationResult Ok => default;

    /// <summary>True when <see cref="Error"/> is <see cref="TopicError.None"/>.</summary>
    public bool IsValid => Error == TopicError.None;

    /// <summary>A message naming the spec statement enforced, e.g. "[MQTT-4.7.1-2] ...".</summary>
    public string Message => Describe(Error);

    /// <summary>The message for an error, citing the spec statement it enforces.</summary>
    public static string Describe(TopicError error) => error switch
    {
        TopicError.None => "Valid.",
        TopicError.Empty => "[MQTT-4.7.3-1] Topic names and topic filters must be at least one character long.",
        TopicError.NullCharacter => "[MQTT-4.7.3-2] Topic names and topic filters must not include the null character (U+0000).",
        TopicError.IllFormedUtf8 => "[MQTT-1.5.3-1] The string contains a lone surrogate (U+D800..U+DFFF) and is not well-formed UTF-8.",
        TopicError.TooLong => "[MQTT-4.7.3-3] Topic names and topic filters must not encode to more than 65535 bytes of UTF-8.",
        TopicError.WildcardInTopicName => "[MQTT-4.7.1-1] Wildcard characters ('+', '#') must not be used within a topic name.",
        TopicError.MultiLevelWildcardMisplaced => "[MQTT-4.7.1-2] The multi-level wildcard '#' must be on its own or follow a '/', and must be the last character of the topic filter.",
        TopicError.SingleLevelWildcardMisplaced => "[MQTT-4.7.1-3] The single-level wildcard '+' must occupy an entire level of the topic filter.",
        TopicError.ShareNameEmpty => "[MQTT-4.8.2-1] A shared subscription's topic filter must contain a share name at least one character long.",
        TopicError.ShareNameInvalid => "[MQTT-4.8.2-2] The share name must not contain the characters '/', '+' or '#'.",
        TopicError.SharedFilterMissing => "[MQTT-4.8.2-2] The share name must be followed by '/' and a non-empty topic filter.",
        TopicError.ExceedsMaxLength => "The topic is longer than the broker's configured maximum topic length.",
        TopicError.ExceedsMaxLevels => "The topic has more levels than the broker's configured maximum topic levels.",
        _ => "Unknown topic error.",
    };

    /// <inheritdoc />
    public override string ToString() => Message;
}
