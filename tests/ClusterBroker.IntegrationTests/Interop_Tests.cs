namespace ClusterBroker.IntegrationTests;

/// <summary>Round trips with other MQTT implementations: mosquitto_pub/mosquitto_sub and python3-paho-mqtt.</summary>
public sealed class Interop_Tests(BrokerFixture broker) : IClassFixture<BrokerFixture>
{
    private int Port => broker.Port;

    [Theory]
    [InlineData("mqttv31", 0)]
    [InlineData("mqttv31", 1)]
    [InlineData("mqttv31", 2)]
    [InlineData("mqttv311", 0)]
    [InlineData("mqttv311", 1)]
    [InlineData("mqttv311", 2)]
    [InlineData("mqttv5", 0)]
    [InlineData("mqttv5", 1)]
    [InlineData("mqttv5", 2)]
    public async Task mosquitto_sub_receives_what_mosquitto_pub_publishes(string version, int qos)
    {
        var topic = Unique.Topic();
        await using var subscriber = MosquittoClients.Subscribe(Port, version, topic, qos);
        await MosquittoClients.WaitUntilSubscribedAsync(subscriber);

        await MosquittoClients.PublishAsync(Port, version, topic, qos, "hello-mosquitto");

        await subscriber.WaitForLineAsync(line => line == $"{topic}|{qos}|0|hello-mosquitto", "the message at mosquitto_sub");
        Assert.Equal(0, await subscriber.WaitForExitAsync());
    }

    [Theory]
    [InlineData("mqttv311")]
    [InlineData("mqttv5")]
    public async Task mosquitto_sub_receives_a_retained_message_with_the_retain_flag(string version)
    {
        var topic = Unique.Topic();
        await MosquittoClients.PublishAsync(Port, version, topic, 1, "retained-mosquitto", retain: true);

        await using var subscriber = MosquittoClients.Subscribe(Port, version, topic, 1);

        await subscriber.WaitForLineAsync(line => line == $"{topic}|1|1|retained-mosquitto", "the retained message at mosquitto_sub");
    }

    [Theory]
    [InlineData(4, 0)]
    [InlineData(4, 1)]
    [InlineData(4, 2)]
    [InlineData(5, 0)]
    [InlineData(5, 1)]
    [InlineData(5, 2)]
    public async Task A_paho_subscriber_receives_what_a_paho_publisher_publishes(int version, int qos)
    {
        var topic = Unique.Topic();
        await using var subscriber = PahoClient.Subscribe(Port, version, topic, qos);
        await subscriber.WaitForLineAsync(line => line == "READY", "paho's SUBACK");

        await using (var publisher = PahoClient.Publish(Port, version, topic, qos, "hello-paho"))
        {
            await publisher.WaitForLineAsync(line => line == "PUBLISHED", "paho's publish to complete");
        }

        await subscriber.WaitForLineAsync(line => line == $"MSG|{topic}|{qos}|0|hello-paho", "the message at the paho subscriber");
        Assert.Equal(0, await subscriber.WaitForExitAsync());
    }

    [Theory]
    [InlineData(4)]
    [InlineData(5)]
    public async Task A_paho_subscriber_receives_a_retained_message_from_paho(int version)
    {
        var topic = Unique.Topic();
        await using (var publisher = PahoClient.Publish(Port, version, topic, 1, "retained-paho", retain: true))
        {
            await publisher.WaitForLineAsync(line => line == "PUBLISHED", "paho's publish to complete");
        }

        await using var subscriber = PahoClient.Subscribe(Port, version, topic, 1);

        await subscriber.WaitForLineAsync(line => line == $"MSG|{topic}|1|1|retained-paho", "the retained message at paho");
    }

    [Theory]
    [InlineData("mqttv311", MqttProtocolVersion.V311)]
    [InlineData("mqttv5", MqttProtocolVersion.V500)]
    public async Task MQTTnet_receives_from_mosquitto_pub(string mosquittoVersion, MqttProtocolVersion version)
    {
        var topic = Unique.Topic();
        await using var subscriber = await TestClient.ConnectAsync(Port, version: version);
        await subscriber.SubscribeAsync(topic, Q.Q2);

        await MosquittoClients.PublishAsync(Port, mosquittoVersion, topic, 2, "to-mqttnet");

        var message = await subscriber.Messages.WaitForAsync(m => m.Topic == topic, "the message from mosquitto_pub");
        Assert.Equal(("to-mqttnet", 2), (message.Payload, message.Qos));
    }

    [Theory]
    [InlineData(4, MqttProtocolVersion.V500)]
    [InlineData(5, MqttProtocolVersion.V311)]
    public async Task paho_receives_from_MQTTnet(int pahoVersion, MqttProtocolVersion version)
    {
        var topic = Unique.Topic();
        await using var subscriber = PahoClient.Subscribe(Port, pahoVersion, topic, 1);
        await subscriber.WaitForLineAsync(line => line == "READY", "paho's SUBACK");
        await using var publisher = await TestClient.ConnectAsync(Port, version: version);

        await publisher.PublishAsync(topic, "from-mqttnet", Q.Q1);

        await subscriber.WaitForLineAsync(line => line == $"MSG|{topic}|1|0|from-mqttnet", "the message at paho");
    }

    [Theory]
    [InlineData("mqttv311", 5)]
    [InlineData("mqttv5", 4)]
    public async Task mosquitto_sub_receives_from_paho(string mosquittoVersion, int pahoVersion)
    {
        var topic = Unique.Topic();
        await using var subscriber = MosquittoClients.Subscribe(Port, mosquittoVersion, topic, 2);
        await MosquittoClients.WaitUntilSubscribedAsync(subscriber);

        await using (var publisher = PahoClient.Publish(Port, pahoVersion, topic, 2, "from-paho"))
        {
            await publisher.WaitForLineAsync(line => line == "PUBLISHED", "paho's publish to complete");
        }

        await subscriber.WaitForLineAsync(line => line == $"{topic}|2|0|from-paho", "the message at mosquitto_sub");
    }

    [Fact]
    public async Task mosquitto_sub_with_a_wildcard_receives_several_topics_in_order()
    {
        var root = Unique.Topic();
        await using var subscriber = MosquittoClients.Subscribe(Port, "mqttv5", $"{root}/#", 1, count: 3);
        await MosquittoClients.WaitUntilSubscribedAsync(subscriber);
        await using var publisher = await TestClient.ConnectAsync(Port);

        await publisher.PublishAsync($"{root}/a", "1", Q.Q1);
        await publisher.PublishAsync($"{root}/b/c", "2", Q.Q1);
        await publisher.PublishAsync($"{root}/a", "3", Q.Q1);

        Assert.Equal(0, await subscriber.WaitForExitAsync());
        var messages = subscriber.Output.Snapshot().Where(l => l.StartsWith(root, StringComparison.Ordinal)).ToList();
        Assert.Equal([$"{root}/a|1|0|1", $"{root}/b/c|1|0|2", $"{root}/a|1|0|3"], messages);
    }
}
