using System.Diagnostics;
using ClusterBroker.Core;

namespace ClusterBroker.IntegrationTests;

/// <summary>Keep alive: silent clients are disconnected after 1.5 x keep alive; PINGREQ keeps a connection alive; Server Keep Alive.</summary>
public sealed class KeepAlive_Tests(BrokerFixture broker) : IClassFixture<BrokerFixture>
{
    private int Port => broker.Port;

    [Theory]
    [InlineData(4)]
    [InlineData(5)]
    public async Task A_client_silent_for_one_and_a_half_times_its_keep_alive_is_disconnected_MQTT_3_1_2_24(int level)
    {
        await using var raw = await RawMqttConnection.ConnectAsync(Port, level, Unique.ClientId(), keepAlive: 1);
        var clock = Stopwatch.StartNew();

        var before = await raw.WaitForCloseAsync(TimeSpan.FromSeconds(6));

        clock.Stop();
        Assert.True(clock.Elapsed >= TimeSpan.FromSeconds(0.9), $"closed after {clock.Elapsed}, before the keep alive even elapsed");
        Assert.True(clock.Elapsed <= TimeSpan.FromSeconds(4.5), $"closed after {clock.Elapsed}, expected about 1.5 s");
        if (level == 5)
        {
            // the server may say why: DISCONNECT 0x8D Keep Alive timeout
            Assert.All(before, p => Assert.True(p.Type == RawPacket.Disconnect && p.DisconnectReason == 0x8D, $"unexpected {p}"));
        }
        else
        {
            Assert.Empty(before);
        }
    }

    [Fact]
    public async Task A_client_that_pings_within_its_keep_alive_stays_connected_and_gets_PINGRESP_MQTT_3_12_4_1()
    {
        // keep alive 2 s (the broker allows 3 s): a loaded machine can stretch one 0.5 s step past 1.5 s
        await using var raw = await RawMqttConnection.ConnectAsync(Port, 4, Unique.ClientId(), keepAlive: 2);
        var clock = Stopwatch.StartNew();

        // the client's own cadence (every 0.5 s for 6 s, twice the 3 s limit) is the behaviour under test
        while (clock.Elapsed < TimeSpan.FromSeconds(6))
        {
            await raw.SendAsync(RawPackets.PingReq());
            var pingResp = await raw.ExpectAsync(RawPacket.PingResp, TestTimeouts.Short);
            Assert.Equal(0xD0, pingResp.FirstByte);
            Assert.Empty(pingResp.Body);
            await Task.Delay(500);
        }

        Assert.False(raw.IsClosed);
    }

    [Fact]
    public async Task Any_control_packet_counts_as_activity_for_keep_alive()
    {
        // keep alive 2 s (the broker allows 3 s): a loaded machine can stretch one 0.5 s step past 1.5 s
        await using var raw = await RawMqttConnection.ConnectAsync(Port, 4, Unique.ClientId(), keepAlive: 2);
        var topic = Unique.Topic();
        var clock = Stopwatch.StartNew();
        ushort id = 1;

        // a PUBLISH every 0.5 s for 6 s, twice the 3 s limit (the client's cadence is the behaviour under test)
        while (clock.Elapsed < TimeSpan.FromSeconds(6))
        {
            await raw.SendAsync(RawPackets.Publish(topic, "tick", qos: 1, packetId: id));
            var ack = await raw.ExpectAsync(RawPacket.PubAck, TestTimeouts.Short);
            Assert.Equal(id++, ack.PacketId);
            await Task.Delay(500);
        }

        Assert.False(raw.IsClosed);
    }

    [Fact]
    public async Task Server_Keep_Alive_is_sent_in_CONNACK_and_enforced_instead_of_the_client_value_MQTT_3_2_2_21()
    {
        await using var own = await TestBroker.StartAsync(new BrokerOptions { ServerKeepAlive = 1 });
        await using var raw = await RawMqttConnection.ConnectAsync(own.Port, 5, Unique.ClientId(), keepAlive: 60);

        var serverKeepAlive = raw.LastConnAck!.ConnAckProperties(v5: true).Number(MqttProperties.ServerKeepAlive);
        Assert.Equal(1u, serverKeepAlive);

        var clock = Stopwatch.StartNew();
        await raw.WaitForCloseAsync(TimeSpan.FromSeconds(6));
        Assert.True(clock.Elapsed <= TimeSpan.FromSeconds(4.5), $"closed after {clock.Elapsed}, expected about 1.5 s (Server Keep Alive 1 s)");
    }

    [Fact]
    public async Task The_MQTTnet_client_uses_the_Server_Keep_Alive_from_CONNACK()
    {
        await using var own = await TestBroker.StartAsync(new BrokerOptions { ServerKeepAlive = 2 });
        await using var client = await TestClient.ConnectAsync(own.Port, configure: b => b.WithKeepAlivePeriod(TimeSpan.FromSeconds(60)));

        Assert.Equal(2, client.ConnectResult.ServerKeepAlive);
    }

    [Theory]
    [InlineData(60)]
    [InlineData(0)]
    public async Task A_5_0_client_asking_for_more_than_MaxKeepAlive_or_for_none_is_told_the_maximum_and_held_to_it(int requested)
    {
        await using var own = await TestBroker.StartAsync(new BrokerOptions { MaxKeepAlive = 1 });
        await using var raw = await RawMqttConnection.ConnectAsync(own.Port, 5, Unique.ClientId(), keepAlive: requested);

        Assert.Equal(1u, raw.LastConnAck!.ConnAckProperties(v5: true).Number(MqttProperties.ServerKeepAlive));

        // silent: the broker's 1.5 x 1 s timer is the behaviour under test
        var clock = Stopwatch.StartNew();
        var before = await raw.WaitForCloseAsync(TimeSpan.FromSeconds(8));
        Assert.True(clock.Elapsed <= TimeSpan.FromSeconds(4.5), $"closed after {clock.Elapsed}, expected about 1.5 s (MaxKeepAlive 1 s)");
        Assert.Equal(0x8D, Assert.Single(before).DisconnectReason);
    }

    [Fact]
    public async Task A_5_0_client_within_MaxKeepAlive_gets_no_Server_Keep_Alive_MQTT_3_2_2_22()
    {
        await using var own = await TestBroker.StartAsync(new BrokerOptions { MaxKeepAlive = 120 });
        await using var raw = await RawMqttConnection.ConnectAsync(own.Port, 5, Unique.ClientId(), keepAlive: 60);

        Assert.False(raw.LastConnAck!.ConnAckProperties(v5: true).Has(MqttProperties.ServerKeepAlive));
    }

    [Fact]
    public async Task A_3_1_1_client_asking_for_more_than_MaxKeepAlive_is_accepted_and_held_to_the_maximum()
    {
        await using var own = await TestBroker.StartAsync(new BrokerOptions { MaxKeepAlive = 1 });
        await using var raw = await RawMqttConnection.ConnectAsync(own.Port, 4, Unique.ClientId(), keepAlive: 60);

        var clock = Stopwatch.StartNew();
        var before = await raw.WaitForCloseAsync(TimeSpan.FromSeconds(8));
        Assert.True(clock.Elapsed <= TimeSpan.FromSeconds(4.5), $"closed after {clock.Elapsed}, expected about 1.5 s (MaxKeepAlive 1 s)");
        Assert.Empty(before); // 3.1.1 has no DISCONNECT from the server
    }

    [Fact]
    public async Task The_MQTTnet_client_is_told_MaxKeepAlive_and_paho_and_mosquitto_clients_connect_under_it()
    {
        await using var own = await TestBroker.StartAsync(new BrokerOptions { MaxKeepAlive = 20 });
        await using var client = await TestClient.ConnectAsync(own.Port, configure: b => b.WithKeepAlivePeriod(TimeSpan.FromSeconds(60)));
        Assert.Equal(20, client.ConnectResult.ServerKeepAlive);

        // paho and mosquitto_pub ask for 30 s and 60 s: told 20 (5.0), accepted (3.1.1)
        var topic = Unique.Topic();
        await client.SubscribeAsync(topic, Q.Q1);
        await using (var paho = PahoClient.Publish(own.Port, 5, topic, 1, "paho-5"))
        {
            await paho.WaitForLineAsync(l => l == "PUBLISHED", "paho's publish");
        }

        await MosquittoClients.PublishAsync(own.Port, "mqttv311", topic, 1, "mosquitto-311");
        await client.Messages.WaitUntilAsync(m => m.Count == 2, "both messages");
    }
}
