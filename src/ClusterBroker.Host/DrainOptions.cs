namespace ClusterBroker.Host;

/// <summary>
/// How a node drains before it stops (SIGTERM, Ctrl+C or POST /api/v1/drain; configuration section "Drain";
/// switches --drain-period, --server-reference): it stops accepting connections and turns not ready, then
/// disconnects its clients spread evenly over <see cref="Period"/> (so the other nodes are not hit by every
/// reconnect at once), hands their sessions back and leaves the cluster.
/// </summary>
public sealed class DrainOptions
{
    public const string SectionName = "Drain";

    /// <summary>
    /// Time over which the clients are disconnected (default 10 s; 0 = all at once). The chart sets the pod's
    /// terminationGracePeriodSeconds to this plus the time leaving the cluster takes.
    /// </summary>
    public TimeSpan Period { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Server Reference for MQTT 5 clients: when set, drained clients get DISCONNECT 0x9C (Use another server)
    /// carrying it (e.g. the client Service's host name); when empty, 0x8B (Server shutting down).
    /// MQTT 3.1.1 clients are simply disconnected.
    /// </summary>
    public string ServerReference { get; set; } = "";

    public IReadOnlyList<string> GetValidationErrors()
    {
        var errors = new List<string>();
        if (Period < TimeSpan.Zero || Period > TimeSpan.FromHours(1))
            errors.Add($"Drain:Period must be between 0 and 1 hour (was {Period}).");
        return errors;
    }

    public DrainOptions Clone() => (DrainOptions)MemberwiseClone();
}
