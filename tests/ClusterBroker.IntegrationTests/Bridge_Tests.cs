using ClusterBroker.Core;

namespace ClusterBroker.IntegrationTests;

/// <summary>
/// A real Mosquitto (Debian's mosquitto 2.0.11) bridged to ClusterBroker as a new user would set it up: a
/// `connection` with `topic ... both 1`, MQTT 3.1.1 and try_private (the bridge bit 0x80 in the protocol level).
/// ClusterBroker accepts the bit and gives the bridge no echo of its own messages and RETAIN as published, so a
/// message published on either side arrives once on the other and never comes back.
/// </summary>
public sealed class Bridge_Tests(Bridge_Tests.MosquittoBridgeFixture bridge) : IClassFixture<Bridge_Tests.MosquittoBridgeFixture>
{
    [Fact]
    public async Task Mosquitto_connects_its_bridge_with_the_bridge_bit_and_is_not_refused()
    {
        await Eventually.AssertAsync(
            () => bridge.Cluster.Logs.Entries.Any(e => e.Message.Contains($"Client {bridge.BridgeClientId} connected", StringComparison.Ordinal) && e.Message.Contains("as a bridge (protocol level 0x84)", StringComparison.Ordinal)),
            "ClusterBroker logs the bridge's connection with protocol level 0x84");
        Assert.DoesNotContain(bridge.Mosquitto.Log.Snapshot(), line => line.Contains("refused", StringComparison.OrdinalIgnoreCase));
    }

    [Fact]
    public async Task A_QoS_1_message_published_on_either_side_arrives_once_on_the_other_and_never_comes_back()
    {
        string topic = bridge.NewTopic();
        await using var onCluster = await TestClient.ConnectAsync(bridge.Cluster.Port, version: MqttProtocolVersion.V311);
        await using var onMosquitto = await TestClient.ConnectAsync(bridge.Mosquitto.Port, version: MqttProtocolVersion.V311);
        await onCluster.SubscribeAsync(topic + "/#", Q.Q1);
        await onMosquitto.SubscribeAsync(topic + "/#", Q.Q1);

        await MosquittoClients.PublishAsync(bridge.Mosquitto.Port, "mqttv311", topic + "/m2c", 1, "from-mosquitto");
        await onCluster.PublishAsync(topic + "/c2m", "from-cluster", Q.Q1);
        await onCluster.Messages.WaitUntilAsync(m => m.Count(x => x.Payload == "from-mosquitto") == 1 && m.Any(x => x.Payload == "from-cluster"), "both messages at the ClusterBroker subscriber");
        await onMosquitto.Messages.WaitUntilAsync(m => m.Count(x => x.Payload == "from-cluster") == 1 && m.Any(x => x.Payload == "from-mosquitto"), "both messages at the Mosquitto subscriber");

        // Markers: a copy coming back over the bridge travels ahead of the marker the same side sends afterwards, so
        // once both markers arrived, any echo would have arrived too.
        await onCluster.PublishAsync(topic + "/marker", "marker-from-cluster", Q.Q1);
        await MosquittoClients.PublishAsync(bridge.Mosquitto.Port, "mqttv311", topic + "/marker", 1, "marker-from-mosquitto");
        await onCluster.Messages.WaitUntilAsync(m => m.Any(x => x.Payload == "marker-from-cluster") && m.Any(x => x.Payload == "marker-from-mosquitto"), "both markers at the ClusterBroker subscriber");
        await onMosquitto.Messages.WaitUntilAsync(m => m.Any(x => x.Payload == "marker-from-cluster") && m.Any(x => x.Payload == "marker-from-mosquitto"), "both markers at the Mosquitto subscriber");

        string[] expected = ["from-cluster", "from-mosquitto", "marker-from-cluster", "marker-from-mosquitto"];
        Assert.Equal(expected, onCluster.Messages.Snapshot().Select(m => m.Payload).Order());
        Assert.Equal(expected, onMosquitto.Messages.Snapshot().Select(m => m.Payload).Order());
        Assert.All(onCluster.Messages.Snapshot().Concat(onMosquitto.Messages.Snapshot()), m => Assert.Equal(Q.Q1, m.Message.QualityOfServiceLevel));
    }

    [Fact]
    public async Task A_retained_message_published_on_ClusterBroker_is_retained_on_the_Mosquitto_side()
    {
        string topic = bridge.NewTopic() + "/state";
        await using var watcher = await TestClient.ConnectAsync(bridge.Mosquitto.Port, version: MqttProtocolVersion.V311);
        await watcher.SubscribeAsync(topic, Q.Q1);
        await using var publisher = await TestClient.ConnectAsync(bridge.Cluster.Port, version: MqttProtocolVersion.V311);

        await publisher.PublishAsync(topic, "on", Q.Q1, retain: true);
        await watcher.Messages.WaitForAsync(m => m.Payload == "on", "the message on the Mosquitto side");

        // a late subscriber on Mosquitto gets it as a retained message: the bridge received it with RETAIN as published
        await using var late = await TestClient.ConnectAsync(bridge.Mosquitto.Port, version: MqttProtocolVersion.V311);
        await late.SubscribeAsync(topic, Q.Q1);
        var retained = await late.Messages.WaitForAsync(m => m.Payload == "on", "the retained message at a late Mosquitto subscriber");
        Assert.True(retained.Message.Retain);
    }

    /// <summary>ClusterBroker in process and Mosquitto bridged to it, started once for the class; the bridge is up when it returns.</summary>
    public sealed class MosquittoBridgeFixture : IAsyncLifetime
    {
        private readonly string _root = "br" + Unique.Topic("x")[2..];
        private int _topics;

        public TestBroker Cluster { get; private set; } = null!;

        public MosquittoBroker Mosquitto { get; private set; } = null!;

        public string BridgeClientId { get; } = Unique.ClientId("bridge");

        /// <summary>A topic under the bridged tree that no other test uses.</summary>
        public string NewTopic() => $"{_root}/{Interlocked.Increment(ref _topics)}";

        public async Task InitializeAsync()
        {
            Cluster = await TestBroker.StartAsync(new BrokerOptions());
            Mosquitto = await MosquittoBroker.StartAsync($"""
                connection clusterbroker
                address 127.0.0.1:{Cluster.Port}
                bridge_protocol_version mqttv311
                try_private true
                remote_clientid {BridgeClientId}
                cleansession true
                notifications false
                restart_timeout 1
                topic {_root}/# both 1
                """);
            await WaitForBridgeAsync();
        }

        public async Task DisposeAsync()
        {
            if (Mosquitto is not null)
            {
                await Mosquitto.DisposeAsync();
            }

            if (Cluster is not null)
            {
                await Cluster.DisposeAsync();
            }
        }

        /// <summary>Publishes probes both ways until each side receives one: the bridge is connected and subscribed on both.</summary>
        private async Task WaitForBridgeAsync()
        {
            string probe = $"{_root}/probe";
            await using var onCluster = await TestClient.ConnectAsync(Cluster.Port, version: MqttProtocolVersion.V311);
            await using var onMosquitto = await TestClient.ConnectAsync(Mosquitto.Port, version: MqttProtocolVersion.V311);
            await onCluster.SubscribeAsync(probe + "/to-cluster", Q.Q0);
            await onMosquitto.SubscribeAsync(probe + "/to-mosquitto", Q.Q0);
            bool up = await Eventually.TrueAsync(
                async () =>
                {
                    await onMosquitto.PublishAsync(probe + "/to-cluster", "probe", Q.Q0);
                    await onCluster.PublishAsync(probe + "/to-mosquitto", "probe", Q.Q0);
                    return onCluster.Messages.Count > 0 && onMosquitto.Messages.Count > 0;
                },
                TimeSpan.FromSeconds(20));
            Assert.True(up, $"the bridge did not come up in 20 s; mosquitto: {Mosquitto.Describe()}");
        }
    }
}
