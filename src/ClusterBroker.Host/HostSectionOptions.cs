namespace ClusterBroker.Host;

/// <summary>Settings of the executable itself (configuration section "Host").</summary>
internal sealed class HostSectionOptions
{
    public const string SectionName = "Host";

    /// <summary>See <see cref="BrokerHostSettings.CompactHeapAfterConnectionBursts"/>; on in the executable.</summary>
    public bool CompactHeapAfterConnectionBursts { get; set; } = true;
}
