using System.Text;
using ClusterBroker.Core.Channel;
using ClusterBroker.Protocol;
using ClusterBroker.Protocol.Packets;

namespace ClusterBroker.Core.Tests.Infrastructure;

/// <summary>One fake client: sends packets into its channel and reads what the channel sent back.</summary>
public sealed class TestClient(TestBroker broker, FakeConnection connection, MqttChannel channel)
{
    private ushort _nextId;

    public TestBroker Broker { get; } = broker;
    public FakeConnection Connection { get; } = connection;
    public MqttChannel Channel { get; } = channel;

    public void Send(MqttPacket packet) => Connection.Execute(() => Channel.OnPacket(packet));

    public void Violate(ProtocolViolation violation) => Connection.Execute(() => Channel.OnProtocolViolation(violation));

    public void Drop(Exception? error = null) => Connection.Execute(() => Channel.OnConnectionClosed(error));

    public ushort NextId() => ++_nextId;

    public SubAckPacket Subscribe(string filter, QualityOfService qos = QualityOfService.ExactlyOnce, uint? identifier = null, bool noLocal = false, bool retainAsPublished = false, RetainHandling retainHandling = RetainHandling.SendAtSubscribe)
    {
        ushort id = NextId();
        Send(new SubscribePacket
        {
            PacketId = id,
            SubscriptionIdentifier = identifier,
            Subscriptions = [new TopicSubscription { Filter = filter, MaximumQoS = qos, NoLocal = noLocal, RetainAsPublished = retainAsPublished, RetainHandling = retainHandling }],
        });
        SubAckPacket ack = Connection.SentOf<SubAckPacket>().Last(a => a.PacketId == id);
        return ack;
    }

    public void Publish(string topic, string payload, QualityOfService qos = QualityOfService.AtMostOnce, bool retain = false, Func<PublishPacket, PublishPacket>? customize = null)
    {
        var packet = new PublishPacket
        {
            Topic = topic,
            Payload = Encoding.UTF8.GetBytes(payload),
            QoS = qos,
            Retain = retain,
            PacketId = qos == QualityOfService.AtMostOnce ? (ushort)0 : NextId(),
        };
        if (customize is not null)
        {
            packet = customize(packet);
        }

        Send(packet);
    }

    /// <summary>The PUBLISH packets received, in order.</summary>
    public PublishPacket[] Received => Connection.SentOf<PublishPacket>();

    public string[] ReceivedPayloads => Received.Select(p => Encoding.UTF8.GetString(p.Payload.Span)).ToArray();

    /// <summary>Acknowledges every received QoS 1 PUBLISH and completes every QoS 2 flow.</summary>
    public void AckAll()
    {
        foreach (PublishPacket p in Received.Where(p => p.QoS != QualityOfService.AtMostOnce).ToArray())
        {
            if (p.QoS == QualityOfService.AtLeastOnce)
            {
                Send(new PubAckPacket { PacketId = p.PacketId });
            }
            else
            {
                Send(new PubRecPacket { PacketId = p.PacketId });
                Send(new PubCompPacket { PacketId = p.PacketId });
            }
        }
    }

    public DisconnectPacket? ServerDisconnect => Connection.SentOf<DisconnectPacket>().LastOrDefault();
}
