using ClusterBroker.Protocol;

namespace ClusterBroker.Core.Messages;

/// <summary>
/// One subscription of a session as granted: the filter as the client wrote it (including any
/// $share/{group}/ or $queue/ prefix), the granted QoS and the 5.0 options.
/// </summary>
public sealed record Subscription(
    string Filter,
    QualityOfService QoS,
    bool NoLocal = false,
    bool RetainAsPublished = false,
    RetainHandling RetainHandling = RetainHandling.SendAtSubscribe,
    uint? SubscriptionIdentifier = null)
{
    private IReadOnlyList<uint>? _identifiers;

    /// <summary>The identifier as a one-element list, cached so delivery does not allocate it per message.</summary>
    public IReadOnlyList<uint>? IdentifierList => SubscriptionIdentifier is uint id ? _identifiers ??= new[] { id } : null;
}
