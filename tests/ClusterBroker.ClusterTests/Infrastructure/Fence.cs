namespace ClusterBroker.ClusterTests.Infrastructure;

/// <summary>
/// A QoS 1 marker published after a test's messages: once every subscriber has it, whatever the
/// publisher sent before it has been delivered (per-publisher order), so counts taken then are final
/// and a duplicate would already be there.
/// </summary>
public static class Fence
{
    public static async Task PassAsync(MqttTestClient publisher, string topic, params MqttTestClient[] subscribers)
    {
        string token = ControlMessages.NewToken("fence");
        await publisher.PublishAsync(topic, token, Q.Q1);
        foreach (MqttTestClient subscriber in subscribers)
        {
            await subscriber.Messages.WaitForAsync(m => m.Payload == token, $"the fence on '{topic}' from {publisher} at {subscriber}");
        }
    }
}
