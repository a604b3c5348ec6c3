namespace ClusterBroker.Protocol.Packets;

/// <summary>CONNECT (3.1). The protocol name follows from <see cref="ProtocolVersion"/>.</summary>
public sealed record ConnectPacket : MqttPacket
{
    public override PacketType Type => PacketType.Connect;

    public required ProtocolVersion ProtocolVersion { get; init; }
    public required string ClientId { get; init; }

    /// <summary>Clean Session (3.1/3.1.1) or Clean Start (5.0).</summary>
    public bool CleanSession { get; init; }
    public ushort KeepAlive { get; init; }
    public string? Username { get; init; }
    public ReadOnlyMemory<byte>? Password { get; init; }
    public WillMessage? Will { get; init; }

    /// <summary>
    /// The bridge bit (0x80) was set in the protocol level (3.1 and 3.1.1 only): a bridge from another broker
    /// (Mosquitto's try_private), which expects no echo of its own messages and retain flags as published.
    /// </summary>
    public bool IsBridge { get; init; }

    // MQTT 5.0 properties
    public uint? SessionExpiryInterval { get; init; }
    public ushort? ReceiveMaximum { get; init; }
    public uint? MaximumPacketSize { get; init; }
    public ushort? TopicAliasMaximum { get; init; }
    public bool? RequestResponseInformation { get; init; }
    public bool? RequestProblemInformation { get; init; }
    public string? AuthenticationMethod { get; init; }
    public ReadOnlyMemory<byte>? AuthenticationData { get; init; }
    public IReadOnlyList<UserProperty>? UserProperties { get; init; }
}
