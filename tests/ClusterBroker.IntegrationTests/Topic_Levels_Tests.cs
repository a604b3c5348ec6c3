namespace ClusterBroker.IntegrationTests;

/// <summary>The default limit on topic levels is 200, as in Mosquitto (128 refused topics real deployments use).</summary>
public sealed class Topic_Levels_Tests(BrokerFixture broker) : IClassFixture<BrokerFixture>
{
    private int Port => broker.Port;

    private static string Deep(string root, int levels) => root + string.Concat(Enumerable.Range(0, levels - 2).Select(i => $"/{i % 10}"));

    [Theory]
    [InlineData("mqttv311")]
    [InlineData("mqttv5")]
    public async Task A_topic_of_200_levels_goes_from_mosquitto_pub_to_mosquitto_sub_by_default(string version)
    {
        var topic = Deep(Unique.Topic(), 200);
        Assert.Equal(200, topic.Split('/').Length);
        await using var subscriber = MosquittoClients.Subscribe(Port, version, topic, 1);
        await MosquittoClients.WaitUntilSubscribedAsync(subscriber);

        await MosquittoClients.PublishAsync(Port, version, topic, 1, "deep");

        await subscriber.WaitForLineAsync(line => line == $"{topic}|1|0|deep", "the message at mosquitto_sub");
    }

    [Fact]
    public async Task A_filter_of_200_levels_is_granted_and_one_of_201_levels_refused()
    {
        var root = Unique.Topic();
        await using var client = await TestClient.ConnectAsync(Port);

        var granted = await client.SubscribeAsync(Deep(root, 199) + "/#", Q.Q1);
        var refused = await client.SubscribeAsync(Deep(root, 200) + "/#", Q.Q1);

        Assert.Equal(MqttClientSubscribeResultCode.GrantedQoS1, Assert.Single(granted.Items).ResultCode);
        Assert.Equal(MqttClientSubscribeResultCode.TopicFilterInvalid, Assert.Single(refused.Items).ResultCode);
    }
}
