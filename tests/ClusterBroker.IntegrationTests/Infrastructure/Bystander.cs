namespace ClusterBroker.IntegrationTests.Infrastructure;

/// <summary>
/// A subscriber and a publisher connected before some bad input: afterwards they must still be
/// connected and exchange a message, showing the bad input closed only its own connection.
/// </summary>
public sealed class Bystander : IAsyncDisposable
{
    private readonly TestClient _subscriber;
    private readonly TestClient _publisher;
    private readonly string _topic;
    private readonly int _port;

    private Bystander(TestClient subscriber, TestClient publisher, string topic, int port)
    {
        _port = port;
        _subscriber = subscriber;
        _publisher = publisher;
        _topic = topic;
    }

    public static async Task<Bystander> StartAsync(int port)
    {
        var topic = Unique.Topic("bystander");
        var subscriber = await TestClient.ConnectAsync(port);
        var publisher = await TestClient.ConnectAsync(port, version: MqttProtocolVersion.V311);
        await subscriber.SubscribeAsync(topic, Q.Q1);
        return new Bystander(subscriber, publisher, topic, port);
    }

    public async Task AssertStillServedAsync()
    {
        Assert.True(_subscriber.Client.IsConnected, "the bystander subscriber was disconnected");
        Assert.True(_publisher.Client.IsConnected, "the bystander publisher was disconnected");
        var payload = Guid.NewGuid().ToString("N");
        await _publisher.PublishAsync(_topic, payload, Q.Q1);
        await _subscriber.Messages.WaitForAsync(m => m.Payload == payload, "the bystander's message");

        // and a brand-new connection is still accepted
        await using var fresh = await TestClient.ConnectAsync(_port);
        Assert.True(fresh.Client.IsConnected);
    }

    public async ValueTask DisposeAsync()
    {
        await _subscriber.DisposeAsync();
        await _publisher.DisposeAsync();
    }
}
