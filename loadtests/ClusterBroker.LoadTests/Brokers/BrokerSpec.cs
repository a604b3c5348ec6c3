namespace ClusterBroker.LoadTests.Brokers;

/// <summary>
/// A broker to start: which kind, its report label, and for .NET brokers the dll to run with `dotnet`.
/// Settings beyond the defaults (tests raise queue limits) go in ExtraArguments (.NET brokers' command
/// line) or ExtraConfigLines (mosquitto.conf); the comparison uses neither, so every broker runs as shipped.
/// </summary>
public sealed record BrokerSpec(BrokerKind Kind, string Label, string? DllPath = null)
{
    public IReadOnlyList<string> ExtraArguments { get; init; } = [];

    public IReadOnlyList<string> ExtraConfigLines { get; init; } = [];

    /// <summary>Null when the broker can be started here; otherwise why not.</summary>
    public string? Unavailable() => Kind switch
    {
        BrokerKind.Mosquitto => Executable.Find("mosquitto") is null ? "mosquitto is not installed (apt-get install mosquitto)" : null,
        _ => DllPath is null || !File.Exists(DllPath) ? $"{DllPath ?? "dll"} not built" : null,
    };
}
