using System.Net;

namespace ClusterBroker.Host;

/// <summary>
/// The operations HTTP listener (configuration section "Http"; switches --http-port, --http-bind): Prometheus
/// metrics at /metrics, /health/live, /health/ready and the admin API under /api/v1.
/// </summary>
public sealed class HttpOptions
{
    public const string SectionName = "Http";

    /// <summary>Serve the HTTP endpoints at all (default true in the executable).</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>HTTP port (default 8080; 0 = any free port).</summary>
    public int Port { get; set; } = 8080;

    /// <summary>Listen address (default 0.0.0.0).</summary>
    public string BindAddress { get; set; } = "0.0.0.0";

    /// <summary>
    /// Bearer token of the admin API (Authorization: Bearer TOKEN). Empty = the admin API refuses every call (403);
    /// metrics and health endpoints need no token. Give it through the environment (ClusterBroker__Http__AdminToken)
    /// or appsettings.json rather than the command line, where other users of the machine can read it.
    /// </summary>
    public string AdminToken { get; set; } = "";

    /// <summary>Every rule the options break, as sentences naming the setting; empty when valid.</summary>
    public IReadOnlyList<string> GetValidationErrors()
    {
        var errors = new List<string>();
        if (!Enabled)
            return errors;
        if (Port is < 0 or > 65_535)
            errors.Add($"Http:Port must be between 0 and 65535 (was {Port}).");
        if (!IPAddress.TryParse(BindAddress, out _))
            errors.Add($"Http:BindAddress must be an IP address, e.g. 0.0.0.0 or 127.0.0.1 (was '{BindAddress}').");
        return errors;
    }

    public HttpOptions Clone() => (HttpOptions)MemberwiseClone();
}
