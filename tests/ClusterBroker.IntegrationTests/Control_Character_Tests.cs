using ClusterBroker.Core;

namespace ClusterBroker.IntegrationTests;

/// <summary>
/// The control characters U+0001..U+001F and U+007F..U+009F (MQTT 5.0 section 1.5.4: SHOULD NOT be sent) are accepted by
/// default and refused with Broker:RefuseControlCharacters, as Mosquitto always refuses them.
/// </summary>
public sealed class Control_Character_Tests : IAsyncLifetime
{
    private TestBroker _lenient = null!;
    private TestBroker _strict = null!;

    public async Task InitializeAsync()
    {
        _lenient = await TestBroker.StartAsync();
        _strict = await TestBroker.StartAsync(new BrokerOptions { RefuseControlCharacters = true });
    }

    public async Task DisposeAsync()
    {
        await _lenient.DisposeAsync();
        await _strict.DisposeAsync();
    }

    [Fact]
    public async Task By_default_a_topic_with_a_tab_and_U_0085_is_delivered()
    {
        var topic = Unique.Topic() + "/tab\there/\u0085";
        await using var subscriber = await TestClient.ConnectAsync(_lenient.Port);
        await subscriber.SubscribeAsync(topic, Q.Q1);
        await using var publisher = await TestClient.ConnectAsync(_lenient.Port);

        await publisher.PublishAsync(topic, "x", Q.Q1);

        Assert.Equal(topic, (await subscriber.Messages.WaitForCountAsync(1))[0].Topic);
    }

    [Theory]
    [InlineData(5, "\u0001")]
    [InlineData(5, "\u007f")]
    [InlineData(5, "\u009f")]
    [InlineData(4, "\t")]
    public async Task When_strict_a_PUBLISH_topic_with_a_control_character_closes_the_connection(int level, string control)
    {
        await using var raw = await RawMqttConnection.ConnectAsync(_strict.Port, level, Unique.ClientId());

        await raw.TrySendAsync(RawPackets.Publish(Unique.Topic() + "/a" + control + "b", "x", v5: level == 5));

        var before = await raw.WaitForCloseAsync();
        if (level == 5)
        {
            Assert.Equal((RawPacket.Disconnect, (byte)0x90), (Assert.Single(before).Type, before[0].DisconnectReason));
        }
        else
        {
            Assert.Empty(before);
        }
    }

    [Fact]
    public async Task When_strict_a_filter_with_a_control_character_gets_SUBACK_0x8F_and_the_connection_stays()
    {
        await using var client = await TestClient.ConnectAsync(_strict.Port);

        var result = await client.SubscribeAsync(Unique.Topic() + "/\u001b/#", Q.Q1);

        Assert.Equal(MqttClientSubscribeResultCode.TopicFilterInvalid, Assert.Single(result.Items).ResultCode);
        await client.PingAsync();
    }

    [Theory]
    [InlineData(5, (byte)0x85)]
    [InlineData(4, (byte)0x02)]
    public async Task When_strict_a_client_identifier_with_a_control_character_is_refused_in_CONNACK(int level, byte code)
    {
        await using var raw = await RawMqttConnection.OpenAsync(_strict.Port);

        await raw.SendAsync(RawPackets.Connect(level, "dev\u0007" + Unique.ClientId()));

        var connAck = Assert.Single(await raw.WaitForCloseAsync());
        Assert.Equal((RawPacket.ConnAck, code), (connAck.Type, connAck.ConnAckCode));
    }

    [Fact]
    public async Task When_strict_the_MQTTnet_client_with_a_control_character_in_its_user_name_is_refused_with_0x86()
    {
        await using var client = await TestClient.ConnectAsync(_strict.Port, configure: b => b.WithCredentials("us\u001fer", "pw"));

        Assert.Equal(MqttClientConnectResultCode.BadUserNameOrPassword, client.ConnectResult.ResultCode);
        Assert.False(client.Client.IsConnected);
    }

    [Fact]
    public async Task When_strict_ordinary_clients_are_unaffected()
    {
        var topic = Unique.Topic() + "/caf\u00e9/\u4e2d";
        await using var subscriber = MosquittoClients.Subscribe(_strict.Port, "mqttv5", topic, 1);
        await MosquittoClients.WaitUntilSubscribedAsync(subscriber);

        await MosquittoClients.PublishAsync(_strict.Port, "mqttv5", topic, 1, "fine");

        await subscriber.WaitForLineAsync(line => line == $"{topic}|1|0|fine", "the message at mosquitto_sub");
    }
}
