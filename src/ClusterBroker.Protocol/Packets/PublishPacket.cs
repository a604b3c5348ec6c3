namespace ClusterBroker.Protocol.Packets;

/// <summary>
/// PUBLISH (3.3). <see cref="Payload"/> may alias the buffer it was decoded from; a decoder user that
/// reuses its input buffer must give each frame its own memory (see the decoder's remarks).
/// </summary>
public sealed record PublishPacket : MqttPacket
{
    public override PacketType Type => PacketType.Publish;

    /// <summary>The topic name; empty in 5.0 when a Topic Alias stands for it.</summary>
    public required string Topic { get; init; }
    public ReadOnlyMemory<byte> Payload { get; init; }
    public QualityOfService QoS { get; init; }
    public bool Retain { get; init; }
    public bool Dup { get; init; }

    /// <summary>Zero for QoS 0 (no identifier on the wire).</summary>
    public ushort PacketId { get; init; }

    // MQTT 5.0 properties
    public byte? PayloadFormatIndicator { get; init; }
    public uint? MessageExpiryInterval { get; init; }
    public ushort? TopicAlias { get; init; }
    public string? ResponseTopic { get; init; }
    public ReadOnlyMemory<byte>? CorrelationData { get; init; }
    public IReadOnlyList<UserProperty>? UserProperties { get; init; }
    public IReadOnlyList<uint>? SubscriptionIdentifiers { get; init; }
    public string? ContentType { get; init; }
}
