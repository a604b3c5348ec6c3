namespace ClusterBroker.Topics;

/// <summary>
/// Why a topic name, topic filter or shared-subscription filter was rejected. Each value maps to the
/// spec statement it enforces; <see cref="TopicValidationResult.Message"/> cites it.
/// </summary>
public enum TopicError
{
    /// <summary>Valid.</summary>
    None = 0,

    /// <summary>[MQTT-4.7.3-1] Topic names and filters must be at least one character long.</summary>
    Empty,

    /// <summary>[MQTT-4.7.3-2] Topic names and filters must not include the null character U+0000.</summary>
    NullCharacter,

    /// <summary>[MQTT-1.5.3-1] (v5: [MQTT-1.5.4-1]) The string holds a lone surrogate, which is not well-formed UTF-8.</summary>
    IllFormedUtf8,

    /// <summary>[MQTT-4.7.3-3] The string encodes to more than 65535 bytes of UTF-8.</summary>
    TooLong,

    /// <summary>[MQTT-4.7.1-1] Wildcard characters (<c>+</c>, <c>#</c>) must not be used within a topic name.</summary>
    WildcardInTopicName,

    /// <summary>[MQTT-4.7.1-2] <c>#</c> must stand on its own or follow a <c>/</c>, and must be the last character.</summary>
    MultiLevelWildcardMisplaced,

    /// <summary>[MQTT-4.7.1-3] <c>+</c> must occupy an entire level of the filter.</summary>
    SingleLevelWildcardMisplaced,

    /// <summary>[MQTT-4.8.2-1] The share name of a <c>$share/</c> filter must be at least one character long.</summary>
    ShareNameEmpty,

    /// <summary>[MQTT-4.8.2-2] The share name must not contain <c>/</c>, <c>+</c> or <c>#</c>.</summary>
    ShareNameInvalid,

    /// <summary>[MQTT-4.8.2-2] The share name (or <c>$queue</c>) must be followed by <c>/</c> and a non-empty topic filter.</summary>
    SharedFilterMissing,

    /// <summary>The string is longer (in UTF-8 bytes) than the broker's configured maximum topic length.</summary>
    ExceedsMaxLength,

    /// <summary>The topic or filter has more levels than the broker's configured maximum.</summary>
    ExceedsMaxLevels,
}
