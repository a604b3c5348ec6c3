using ClusterBroker.Cluster;
using ClusterBroker.Core;
using ClusterBroker.Host.Security;
using ClusterBroker.Transport;

namespace ClusterBroker.Host;

/// <summary>Everything <see cref="BrokerHost"/> needs: the protocol limits, the listeners, the cluster and security settings.</summary>
public sealed class BrokerHostSettings
{
    /// <summary>Listeners and sockets (configuration section "Transport").</summary>
    public TransportOptions Transport { get; init; } = new();

    /// <summary>Protocol limits and broker behaviour (configuration section "Broker").</summary>
    public BrokerOptions Broker { get; init; } = new();

    /// <summary>Cluster membership: name, address, seed nodes (configuration section "Cluster").</summary>
    public ClusterOptions Cluster { get; init; } = new();

    /// <summary>Password file, ACL file, anonymous access, brute-force throttle (configuration section "Security").</summary>
    public SecurityOptions Security { get; init; } = new();

    /// <summary>
    /// The operations HTTP listener: metrics, health, admin API (configuration section "Http"). Null = none, the
    /// default for in-process hosts (tests); the executable always binds it (port 8080 unless configured).
    /// </summary>
    public HttpOptions? Http { get; init; }

    /// <summary>How the node drains before it stops (configuration section "Drain").</summary>
    public DrainOptions Drain { get; init; } = new();

    /// <summary>
    /// Run one compacting, decommitting collection after start-up and whenever the number of
    /// connections grew and settled, so idle connections do not keep the garbage of their handshakes
    /// resident. It acts on the whole process, so it is off for in-process hosts (tests) and on in the
    /// executable (configuration key "Host:CompactHeapAfterConnectionBursts", default true).
    /// </summary>
    public bool CompactHeapAfterConnectionBursts { get; init; }

    /// <summary>Every broken rule of both option sets, as sentences naming the setting; empty when valid.</summary>
    public IReadOnlyList<string> GetValidationErrors()
    {
        var errors = new List<string>();
        foreach (string error in Broker.GetValidationErrors())
            errors.Add("Broker:" + error);
        errors.AddRange(Cluster.GetValidationErrors());
        if (Http is not null)
            errors.AddRange(Http.GetValidationErrors());
        errors.AddRange(Drain.GetValidationErrors());
        errors.AddRange(Security.GetValidationErrors());
        try
        {
            Transport.Validate();
        }
        catch (ArgumentException ex)
        {
            errors.Add(ex.Message);
        }
        return errors;
    }
}
