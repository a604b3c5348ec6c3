namespace ClusterBroker.Host;

/// <summary>Settings of the executable itself (configuration section "Host").</summary>
internal sealed class HostSectionOptions
{
    public const string SectionName = "Host";

    /// <summary>See <see cref="BrokerHostSettings.CompactHeapAfterConnectionBursts"/>; on in the executable.</summary>
    public bool CompactHeapAfterConnectionBursts { get; set; } = true;

    /// <summary>Log line format on standard output: "simple" (one line of text per entry, default) or "json" (one JSON object per line, for log collectors); switch --log-format.</summary>
    public string LogFormat { get; set; } = "simple";
}
