namespace ClusterBroker.Topics;

/// <summary>
/// Broker-configured limits applied on top of the spec's. <c>default(TopicLimits)</c> is the spec:
/// 65535 UTF-8 bytes, unlimited levels.
/// </summary>
/// <param name="MaxLengthBytes">Maximum UTF-8 length; 0 (or anything above 65535) means the spec's 65535.</param>
/// <param name="MaxLevels">Maximum number of levels (a string with n separators has n + 1 levels); 0 means unlimited.</param>
public readonly record struct TopicLimits(int MaxLengthBytes = 0, int MaxLevels = 0)
{
    /// <summary>The spec maximum length of a UTF-8 encoded string [MQTT-4.7.3-3].</summary>
    public const int SpecMaxLengthBytes = 65535;

    /// <summary>The spec limits only.</summary>
    public static TopicLimits Default => default;

    /// <summary>The effective maximum length in UTF-8 bytes (never above 65535).</summary>
    public int EffectiveMaxLengthBytes => MaxLengthBytes <= 0 || MaxLengthBytes > SpecMaxLengthBytes ? SpecMaxLengthBytes : MaxLengthBytes;

    /// <summary>The effective maximum number of levels (<see cref="int.MaxValue"/> when unlimited).</summary>
    public int EffectiveMaxLevels => MaxLevels <= 0 ? int.MaxValue : MaxLevels;
}
