namespace ClusterBroker.ClusterTests;

/// <summary>
/// Other MQTT implementations on different nodes of one cluster: mosquitto_pub/mosquitto_sub (Debian
/// mosquitto-clients) and paho (python3-paho-mqtt), with MQTTnet probing the routes first.
/// </summary>
[Collection(SharedClusterCollection.Name)]
public sealed class Interop_Tests(SharedClusterFixture fixture)
{
    private TestCluster Cluster => fixture.Cluster;

    [Theory]
    [InlineData("mqttv311", 1)]
    [InlineData("mqttv5", 2)]
    public Task mosquitto_sub_on_node_2_receives_what_mosquitto_pub_publishes_on_node_1(string version, int qos) => Cluster.VerifyAsync(async () =>
    {
        string topic = Unique.Topic();
        await using ExternalClient subscriber = MosquittoClients.Subscribe(Cluster[2], version, topic, qos);
        await MosquittoClients.WaitUntilSubscribedAsync(subscriber);
        await using (MqttTestClient prober = await MqttTestClient.ConnectAsync(Cluster[1]))
        {
            await RoutePropagation.AwaitAsync(prober, topic, subscriber);
        }

        await MosquittoClients.PublishAsync(Cluster[1], version, topic, qos, "from-mosquitto-on-node-1");

        await subscriber.WaitForLineAsync(line => line == $"{topic}|{qos}|0|from-mosquitto-on-node-1", "the message from node 1");
    });

    [Theory]
    [InlineData(4)]
    [InlineData(5)]
    public Task A_paho_subscriber_on_node_3_receives_what_paho_publishes_on_node_2(int version) => Cluster.VerifyAsync(async () =>
    {
        string topic = Unique.Topic();
        await using ExternalClient subscriber = PahoClient.Subscribe(Cluster[3], version, topic, 2);
        await PahoClient.WaitUntilSubscribedAsync(subscriber);
        await using (MqttTestClient prober = await MqttTestClient.ConnectAsync(Cluster[2]))
        {
            await RoutePropagation.AwaitAsync(prober, topic, subscriber);
        }

        await PahoClient.PublishAsync(Cluster[2], version, topic, 2, "from-paho-on-node-2");

        await subscriber.WaitForLineAsync(line => line == $"MSG|{topic}|2|0|from-paho-on-node-2", "the message from node 2");
    });

    [Fact]
    public Task paho_on_node_1_receives_from_mosquitto_pub_on_node_3_and_mosquitto_sub_on_node_3_from_paho_on_node_1() => Cluster.VerifyAsync(async () =>
    {
        string toPaho = Unique.Topic();
        string toMosquitto = Unique.Topic();
        await using ExternalClient paho = PahoClient.Subscribe(Cluster[1], 5, toPaho, 1);
        await using ExternalClient mosquitto = MosquittoClients.Subscribe(Cluster[3], "mqttv311", toMosquitto, 1);
        await PahoClient.WaitUntilSubscribedAsync(paho);
        await MosquittoClients.WaitUntilSubscribedAsync(mosquitto);
        await using (MqttTestClient onNode3 = await MqttTestClient.ConnectAsync(Cluster[3]))
        {
            await RoutePropagation.AwaitAsync(onNode3, toPaho, paho);
        }
        await using (MqttTestClient onNode1 = await MqttTestClient.ConnectAsync(Cluster[1]))
        {
            await RoutePropagation.AwaitAsync(onNode1, toMosquitto, mosquitto);
        }

        await MosquittoClients.PublishAsync(Cluster[3], "mqttv5", toPaho, 1, "mosquitto-to-paho");
        await PahoClient.PublishAsync(Cluster[1], 4, toMosquitto, 1, "paho-to-mosquitto");

        await paho.WaitForLineAsync(line => line == $"MSG|{toPaho}|1|0|mosquitto-to-paho", "the message from mosquitto_pub on node 3");
        await mosquitto.WaitForLineAsync(line => line == $"{toMosquitto}|1|0|paho-to-mosquitto", "the message from paho on node 1");
    });

    [Fact]
    public Task MQTTnet_receives_from_mosquitto_pub_and_paho_on_other_nodes() => Cluster.VerifyAsync(async () =>
    {
        string topic = Unique.Topic();
        await using MqttTestClient subscriber = await MqttTestClient.ConnectAsync(Cluster[1], version: MqttProtocolVersion.V311);
        await subscriber.SubscribeAsync(topic, Q.Q2);
        await using (MqttTestClient onNode2 = await MqttTestClient.ConnectAsync(Cluster[2]))
        {
            await RoutePropagation.AwaitAsync(onNode2, topic, subscriber);
        }
        await using (MqttTestClient onNode3 = await MqttTestClient.ConnectAsync(Cluster[3]))
        {
            await RoutePropagation.AwaitAsync(onNode3, topic, subscriber);
        }

        await MosquittoClients.PublishAsync(Cluster[2], "mqttv5", topic, 2, "from-mosquitto");
        await PahoClient.PublishAsync(Cluster[3], 5, topic, 2, "from-paho");

        await subscriber.Messages.WaitUntilAsync(list => list.Count(m => !m.IsControl) >= 2, "both messages");
        Assert.Equal(["from-mosquitto", "from-paho"], subscriber.ApplicationMessages.Select(m => m.Payload).Order());
        Assert.All(subscriber.ApplicationMessages, m => Assert.Equal(2, m.Qos));
    });
}
