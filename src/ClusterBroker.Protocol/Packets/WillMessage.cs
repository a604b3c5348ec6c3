namespace ClusterBroker.Protocol.Packets;

/// <summary>The Will carried in CONNECT (3.1.2.5, 3.1.3.2-3.1.3.4).</summary>
public sealed record WillMessage
{
    public required string Topic { get; init; }
    public ReadOnlyMemory<byte> Payload { get; init; }
    public QualityOfService QoS { get; init; }
    public bool Retain { get; init; }

    // MQTT 5.0 Will Properties
    public uint? WillDelayInterval { get; init; }
    public byte? PayloadFormatIndicator { get; init; }
    public uint? MessageExpiryInterval { get; init; }
    public string? ContentType { get; init; }
    public string? ResponseTopic { get; init; }
    public ReadOnlyMemory<byte>? CorrelationData { get; init; }
    public IReadOnlyList<UserProperty>? UserProperties { get; init; }
}
