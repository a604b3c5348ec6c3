using System.Buffers;
using System.Text;

namespace ClusterBroker.ClusterTests.Infrastructure;

/// <summary>A PUBLISH as an MQTTnet client received it, copied out of the event (payload included).</summary>
public sealed class ReceivedMessage
{
    public ReceivedMessage(MqttApplicationMessage message, ushort packetId)
    {
        Topic = message.Topic;
        PayloadBytes = message.Payload.ToArray();
        Qos = (int)message.QualityOfServiceLevel;
        Retain = message.Retain;
        Dup = message.Dup;
        SubscriptionIdentifiers = message.SubscriptionIdentifiers is { } ids ? [.. ids] : [];
        PacketId = packetId;
    }

    public string Topic { get; }

    public byte[] PayloadBytes { get; }

    public string Payload => Encoding.UTF8.GetString(PayloadBytes);

    public int Qos { get; }

    public bool Retain { get; }

    public bool Dup { get; }

    public IReadOnlyList<uint> SubscriptionIdentifiers { get; }

    public ushort PacketId { get; }

    /// <summary>A probe or fence message of the harness, not part of what a test counts.</summary>
    public bool IsControl => ControlMessages.IsControl(PayloadBytes);

    public override string ToString()
    {
        string payload = PayloadBytes.Length > 40 ? $"{Encoding.UTF8.GetString(PayloadBytes, 0, 40)}...({PayloadBytes.Length} bytes)" : Payload;
        return $"{Topic} q{Qos}{(Retain ? " retain" : "")}{(Dup ? " dup" : "")} '{payload}'";
    }
}
