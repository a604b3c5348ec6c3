namespace ClusterBroker.IntegrationTests;

/// <summary>
/// The Will of a connection taken over by a new connection with the same ClientId, as Mosquitto 2.0.11 does it
/// (measured by running it with paho clients, all eight cases): published unless the old session is persistent and
/// the new connection resumes it (3.1.1: Clean Session 0 on both; 5.0: Session Expiry > 0, then Clean Start 0), in
/// which case the client is still there and its Will is dropped. Runs against Mosquitto as well
/// (-p:BrokerUnderTest=mosquitto).
/// </summary>
public sealed class Will_Takeover_Tests(BrokerFixture broker) : IClassFixture<BrokerFixture>
{
    private int Port => broker.Port;

    private static Action<MqttClientOptionsBuilder> Session(MqttProtocolVersion version, bool persistent) => version == MqttProtocolVersion.V500
        ? b => b.WithCleanStart(!persistent).WithSessionExpiryInterval(persistent ? 300u : 0u)
        : b => b.WithCleanSession(!persistent);

    [Theory]
    [InlineData(MqttProtocolVersion.V311, false, false, true)]
    [InlineData(MqttProtocolVersion.V311, false, true, true)]
    [InlineData(MqttProtocolVersion.V311, true, false, true)]
    [InlineData(MqttProtocolVersion.V311, true, true, false)]
    [InlineData(MqttProtocolVersion.V500, false, false, true)]
    [InlineData(MqttProtocolVersion.V500, false, true, true)]
    [InlineData(MqttProtocolVersion.V500, true, false, true)]
    [InlineData(MqttProtocolVersion.V500, true, true, false)]
    public async Task The_will_is_published_on_takeover_unless_a_persistent_session_is_resumed(MqttProtocolVersion version, bool oldPersistent, bool newPersistent, bool published)
    {
        var clientId = Unique.ClientId();
        var willTopic = Unique.Topic("will");
        await using var watcher = await TestClient.ConnectAsync(Port);
        await watcher.SubscribeAsync(willTopic, Q.Q1);
        await using var old = await TestClient.ConnectAsync(Port, clientId, version, b =>
        {
            Session(version, oldPersistent)(b);
            b.WithWillTopic(willTopic).WithWillPayload("old-connection-gone"u8.ToArray()).WithWillQualityOfServiceLevel(Q.Q1);
        });

        await using var taker = await TestClient.ConnectAsync(Port, clientId, version, Session(version, newPersistent));
        await old.Disconnected.WaitAsync(TestTimeouts.Default);

        // a marker published after the takeover completed arrives after any Will
        await using var marker = await TestClient.ConnectAsync(Port);
        await marker.PublishAsync(willTopic, "marker", Q.Q1);
        var received = await watcher.Messages.WaitUntilAsync(m => m.Any(x => x.Payload == "marker"), "the marker");
        Assert.Equal(published ? ["old-connection-gone", "marker"] : ["marker"], received.Select(m => m.Payload));
    }

    [Fact]
    public async Task mosquitto_sub_resuming_a_3_1_1_session_takes_it_over_without_the_old_will()
    {
        var clientId = Unique.ClientId();
        var willTopic = Unique.Topic("will");
        await using var watcher = await TestClient.ConnectAsync(Port);
        await watcher.SubscribeAsync(willTopic, Q.Q1);
        await using var old = await TestClient.ConnectAsync(Port, clientId, MqttProtocolVersion.V311, b => b
            .WithCleanSession(false).WithWillTopic(willTopic).WithWillPayload("old-connection-gone"u8.ToArray()).WithWillQualityOfServiceLevel(Q.Q1));

        // mosquitto_sub -c: Clean Session 0 with the same ClientId
        await using (var taker = ExternalProcess.Start("stdbuf", "-oL", "mosquitto_sub", "-h", "127.0.0.1", "-p", Port.ToString(), "-V", "mqttv311",
            "-i", clientId, "-c", "-q", "1", "-t", Unique.Topic(), "-W", "20", "-d"))
        {
            await MosquittoClients.WaitUntilSubscribedAsync(taker);
            await old.Disconnected.WaitAsync(TestTimeouts.Default);
        }

        await using var marker = await TestClient.ConnectAsync(Port);
        await marker.PublishAsync(willTopic, "marker", Q.Q1);
        var received = await watcher.Messages.WaitUntilAsync(m => m.Any(x => x.Payload == "marker"), "the marker");
        Assert.Equal(["marker"], received.Select(m => m.Payload));
    }
}
