using System.Text;
using MQTTnet;

namespace ClusterBroker.IntegrationTests.Infrastructure;

/// <summary>A message as the MQTTnet client received it (copied out of the event args).</summary>
public sealed record ReceivedMessage(MqttApplicationMessage Message, ushort PacketId)
{
    /// <summary>When the client handed the message over (Stopwatch ticks).</summary>
    public long ReceivedAt { get; } = System.Diagnostics.Stopwatch.GetTimestamp();

    public string Topic => Message.Topic;

    public string Payload => Encoding.UTF8.GetString(Message.Payload);

    public int Qos => (int)Message.QualityOfServiceLevel;

    public bool Retain => Message.Retain;

    public override string ToString() => $"{Topic} q{Qos}{(Retain ? " r" : "")} '{Payload}'";
}
