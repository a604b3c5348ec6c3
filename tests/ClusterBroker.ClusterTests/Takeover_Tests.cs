namespace ClusterBroker.ClusterTests;

/// <summary>
/// A connection with the ClientId of a client connected to another node takes the session over
/// [MQTT-3.1.4-3]: the old connection is closed (5.0: DISCONNECT 0x8E Session taken over) before the
/// new one gets its CONNACK, and a persistent session, subscriptions included, moves with it.
/// </summary>
[Collection(SharedClusterCollection.Name)]
public sealed class Takeover_Tests(SharedClusterFixture fixture)
{
    private TestCluster Cluster => fixture.Cluster;

    [Theory]
    [InlineData(4, false)]
    [InlineData(4, true)]
    [InlineData(5, false)]
    [InlineData(5, true)]
    public Task A_connection_on_node_2_takes_over_the_client_connected_to_node_1(int version, bool persistent) => Cluster.VerifyAsync(async () =>
    {
        string clientId = Unique.ClientId("takeover");
        string root = Unique.Topic();
        await using RawMqttConnection old = await RawMqttConnection.ConnectAsync(Cluster[1], version, clientId, clean: !persistent, sessionExpiry: persistent ? 3600u : 0u);
        if (persistent)
        {
            await old.SubscribeAsync($"{root}/#", 1);
        }

        MqttProtocolVersion mqttVersion = version == 5 ? MqttProtocolVersion.V500 : MqttProtocolVersion.V311;
        await using MqttTestClient taker = persistent
            ? await MqttTestClient.ConnectPersistentAsync(Cluster[2], clientId, mqttVersion)
            : await MqttTestClient.ConnectAsync(Cluster[2], clientId, mqttVersion);
        // checked right after node 2's CONNACK: the old connection's DISCONNECT or close is already here
        bool oldClosedFirst = old.HasInputOrIsClosed;

        IReadOnlyList<RawPacket> beforeClose = await old.ReadUntilClosedAsync();
        Assert.True(oldClosedFirst, "node 1 had not closed the old connection (nor sent it anything) when node 2's CONNACK arrived");
        if (version == 5)
        {
            RawPacket disconnect = Assert.Single(beforeClose);
            Assert.Equal((RawPacket.Disconnect, 0x8E), (disconnect.Type, disconnect.DisconnectReason));
        }
        else
        {
            Assert.Empty(beforeClose); // 3.1.1 has no server DISCONNECT: the connection just closes
        }
        Assert.Equal(persistent, taker.ConnectResult.IsSessionPresent);

        if (persistent)
        {
            // the subscription made on node 1 now delivers on node 2, without subscribing again
            await using MqttTestClient publisher = await MqttTestClient.ConnectAsync(Cluster[3]);
            await RoutePropagation.AwaitAsync(publisher, $"{root}/probe", taker);
            await publisher.PublishAsync($"{root}/after-takeover", "inherited", Q.Q1);
            await Fence.PassAsync(publisher, $"{root}/fence", taker);
            ReceivedMessage message = Assert.Single(taker.ApplicationMessages);
            Assert.Equal(("inherited", 1), (message.Payload, message.Qos));
        }
    });

    [Fact]
    public Task The_MQTTnet_client_taken_over_from_another_node_sees_Session_taken_over() => Cluster.VerifyAsync(async () =>
    {
        string clientId = Unique.ClientId("takeover");
        await using MqttTestClient first = await MqttTestClient.ConnectAsync(Cluster[3], clientId);

        await using MqttTestClient second = await MqttTestClient.ConnectAsync(Cluster[1], clientId);

        MqttClientDisconnectedEventArgs disconnected = await first.Disconnected.WaitAsync(Timeouts.Mqtt);
        Assert.Equal(MqttClientDisconnectReason.SessionTakenOver, disconnected.Reason);
        Assert.True(second.Client.IsConnected);
    });
}
