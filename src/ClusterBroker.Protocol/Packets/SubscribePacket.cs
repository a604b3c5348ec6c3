namespace ClusterBroker.Protocol.Packets;

public sealed record SubscribePacket : MqttPacket
{
    public override PacketType Type => PacketType.Subscribe;

    public required ushort PacketId { get; init; }
    public required IReadOnlyList<TopicSubscription> Subscriptions { get; init; }

    // MQTT 5.0 properties
    public uint? SubscriptionIdentifier { get; init; }
    public IReadOnlyList<UserProperty>? UserProperties { get; init; }
}
