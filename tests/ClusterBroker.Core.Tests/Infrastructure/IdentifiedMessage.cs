using System.Text;
using ClusterBroker.Core.Messages;
using ClusterBroker.Protocol;

namespace ClusterBroker.Core.Tests.Infrastructure;

/// <summary>Messages as a publisher's node makes them: each with its own identity (<see cref="MessageIds"/>).</summary>
public static class IdentifiedMessage
{
    /// <summary>A QoS 1 message on topic "t" with a new identity.</summary>
    public static BrokerMessage QoS1(string payload) => new()
    {
        Id = MessageIds.Next(),
        Topic = "t",
        Payload = Encoding.UTF8.GetBytes(payload),
        QoS = QualityOfService.AtLeastOnce,
    };
}
