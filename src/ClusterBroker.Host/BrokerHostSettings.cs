using ClusterBroker.Core;
using ClusterBroker.Transport;

namespace ClusterBroker.Host;

/// <summary>Everything <see cref="BrokerHost"/> needs: the protocol limits and the listeners.</summary>
public sealed class BrokerHostSettings
{
    /// <summary>Listeners and sockets (configuration section "Transport").</summary>
    public TransportOptions Transport { get; init; } = new();

    /// <summary>Protocol limits and broker behaviour (configuration section "Broker").</summary>
    public BrokerOptions Broker { get; init; } = new();

    /// <summary>Every broken rule of both option sets, as sentences naming the setting; empty when valid.</summary>
    public IReadOnlyList<string> GetValidationErrors()
    {
        var errors = new List<string>();
        foreach (string error in Broker.GetValidationErrors())
            errors.Add("Broker:" + error);
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
