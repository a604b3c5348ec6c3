using System.Text;

namespace ClusterBroker.ClusterTests.Infrastructure;

/// <summary>Retained messages as a client sees them: a retained QoS 1 message to publish, and what a new subscriber on a node gets.</summary>
public static class RetainedProbe
{
    public static MqttApplicationMessage Message(string topic, string payload, uint? expirySeconds = null)
    {
        MqttApplicationMessageBuilder builder = new MqttApplicationMessageBuilder().WithTopic(topic).WithPayload(Encoding.UTF8.GetBytes(payload))
            .WithQualityOfServiceLevel(Q.Q1).WithRetainFlag();
        if (expirySeconds is uint seconds)
        {
            builder.WithMessageExpiryInterval(seconds);
        }

        return builder.Build();
    }

    /// <summary>Subscribes to the filter on the node and returns the retained messages it got (a local fence after them: the mailbox waits behind the retained lookup).</summary>
    public static async Task<List<(string Topic, string Payload)>> SeenOnAsync(ClusterNode node, string root, string filter)
    {
        await using MqttTestClient subscriber = await MqttTestClient.ConnectAsync(node);
        await subscriber.SubscribeAsync(filter, Q.Q1);
        await subscriber.SubscribeAsync($"{root}/fence", Q.Q1);
        await using MqttTestClient fencer = await MqttTestClient.ConnectAsync(node);
        await Fence.PassAsync(fencer, $"{root}/fence", subscriber);
        return [.. subscriber.ApplicationMessages.Where(m => m.Retain).Select(m => (m.Topic, m.Payload)).OrderBy(m => m.Topic, StringComparer.Ordinal)];
    }
}
