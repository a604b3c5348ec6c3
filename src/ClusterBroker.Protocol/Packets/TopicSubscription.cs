namespace ClusterBroker.Protocol.Packets;

/// <summary>One topic filter of a SUBSCRIBE with its subscription options (3.8.3.1).</summary>
public sealed record TopicSubscription
{
    public required string Filter { get; init; }
    public QualityOfService MaximumQoS { get; init; }

    // MQTT 5.0 options (false/0 in earlier versions)
    public bool NoLocal { get; init; }
    public bool RetainAsPublished { get; init; }
    public RetainHandling RetainHandling { get; init; }
}
