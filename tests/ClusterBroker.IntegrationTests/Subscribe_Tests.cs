namespace ClusterBroker.IntegrationTests;

/// <summary>SUBSCRIBE/UNSUBSCRIBE: wildcards, $-topics, overlapping subscriptions, QoS downgrade, reason codes, identifiers, No Local.</summary>
public sealed class Subscribe_Tests(FastSysBrokerFixture broker) : IClassFixture<FastSysBrokerFixture>
{
    private int Port => broker.Port;

    /// <summary>Publishes each topic (QoS 1) then a marker on <paramref name="marker"/>; returns the topics received before the marker.</summary>
    private async Task<List<string>> PublishAndCollectAsync(TestClient subscriber, string marker, params string[] topics)
    {
        await using var publisher = await TestClient.ConnectAsync(Port);
        foreach (var topic in topics)
        {
            await publisher.PublishAsync(topic, topic, Q.Q1);
        }
        await publisher.PublishAsync(marker, "marker", Q.Q1);
        var received = await subscriber.Messages.WaitUntilAsync(list => list.Any(m => m.Topic == marker), "the marker");
        return received.TakeWhile(m => m.Topic != marker).Select(m => m.Topic).ToList();
    }

    [Fact]
    public async Task Plus_matches_exactly_one_level_including_an_empty_one_MQTT_4_7_1_3()
    {
        var root = Unique.Topic();
        await using var subscriber = await TestClient.ConnectAsync(Port);
        await subscriber.SubscribeAsync($"{root}/+/c", Q.Q1);
        await subscriber.SubscribeAsync($"{root}/marker", Q.Q1);

        var received = await PublishAndCollectAsync(subscriber, $"{root}/marker",
            $"{root}/b/c", $"{root}/b/x/c", $"{root}/c", $"{root}//c", $"{root}/b/c/d", $"{root}/bb/c");

        Assert.Equal([$"{root}/b/c", $"{root}//c", $"{root}/bb/c"], received);
    }

    [Fact]
    public async Task Hash_matches_the_parent_level_and_every_descendant_MQTT_4_7_1_2()
    {
        var root = Unique.Topic();
        await using var subscriber = await TestClient.ConnectAsync(Port);
        await subscriber.SubscribeAsync($"{root}/a/#", Q.Q1);
        await subscriber.SubscribeAsync($"{root}/marker", Q.Q1);

        var received = await PublishAndCollectAsync(subscriber, $"{root}/marker",
            $"{root}/a", $"{root}/a/b", $"{root}/a/b/c", $"{root}/ab", $"{root}/b/a");

        Assert.Equal([$"{root}/a", $"{root}/a/b", $"{root}/a/b/c"], received);
    }

    [Fact]
    public async Task Wildcards_at_the_first_level_do_not_match_dollar_topics_MQTT_4_7_2_1()
    {
        await using var all = await TestClient.ConnectAsync(Port);
        await all.SubscribeAsync("#", Q.Q0);
        await all.SubscribeAsync("+/broker/#", Q.Q0);
        await using var sys = await TestClient.ConnectAsync(Port);
        await sys.SubscribeAsync("$SYS/#", Q.Q0);

        // the broker publishes $SYS topics every second; once one arrived at the explicit subscriber,
        // a marker published afterwards reaches '#': no $SYS message may have reached it
        await sys.Messages.WaitForAsync(m => m.Topic.StartsWith("$SYS/", StringComparison.Ordinal), "a $SYS message", TimeSpan.FromSeconds(5));
        var marker = Unique.Topic("marker");
        await using var publisher = await TestClient.ConnectAsync(Port);
        await publisher.PublishAsync(marker, "marker", Q.Q1);
        await all.Messages.WaitForAsync(m => m.Topic == marker, "the marker");

        Assert.DoesNotContain(all.Messages.Snapshot(), m => m.Topic.StartsWith('$'));
    }

    [Theory]
    [InlineData(0, 0)]
    [InlineData(1, 0)]
    [InlineData(2, 0)]
    [InlineData(2, 1)]
    [InlineData(1, 2)]
    [InlineData(0, 2)]
    public async Task A_message_is_delivered_at_the_lower_of_the_published_and_granted_QoS_MQTT_3_8_4_8(int publishedQos, int subscribedQos)
    {
        var topic = Unique.Topic();
        await using var subscriber = await TestClient.ConnectAsync(Port);
        await subscriber.SubscribeAsync(topic, Q.Of(subscribedQos));
        await using var publisher = await TestClient.ConnectAsync(Port);

        await publisher.PublishAsync(topic, "x", Q.Of(publishedQos));

        var message = await subscriber.Messages.WaitForAsync(m => m.Topic == topic, "the message");
        Assert.Equal(Math.Min(publishedQos, subscribedQos), message.Qos);
    }

    [Fact]
    public async Task Overlapping_subscriptions_in_3_1_1_deliver_one_copy_at_the_highest_QoS_MQTT_3_3_5_1()
    {
        var root = Unique.Topic();
        await using var subscriber = await TestClient.ConnectAsync(Port, version: MqttProtocolVersion.V311);
        await subscriber.SubscribeAsync($"{root}/#", Q.Q0);
        await subscriber.SubscribeAsync($"{root}/+", Q.Q2);
        await using var publisher = await TestClient.ConnectAsync(Port);

        await publisher.PublishAsync($"{root}/x", "overlap", Q.Q2);
        await publisher.PublishAsync($"{root}/marker/deep", "marker", Q.Q2); // matches only root/#

        var received = await subscriber.Messages.WaitUntilAsync(list => list.Any(m => m.Payload == "marker"), "the marker");
        var copies = received.Where(m => m.Payload == "overlap").ToList();
        var copy = Assert.Single(copies);
        Assert.Equal(2, copy.Qos);
    }

    [Fact]
    public async Task Overlapping_subscriptions_in_5_0_carry_every_matching_subscription_identifier_MQTT_3_3_4_4()
    {
        var root = Unique.Topic();
        await using var subscriber = await TestClient.ConnectAsync(Port);
        await subscriber.SubscribeAsync(new MqttClientSubscribeOptionsBuilder().WithTopicFilter($"{root}/#", Q.Q0).WithSubscriptionIdentifier(11).Build());
        await subscriber.SubscribeAsync(new MqttClientSubscribeOptionsBuilder().WithTopicFilter($"{root}/+", Q.Q2).WithSubscriptionIdentifier(22).Build());
        await using var publisher = await TestClient.ConnectAsync(Port);

        await publisher.PublishAsync($"{root}/x", "overlap", Q.Q2);
        await publisher.PublishAsync($"{root}/marker/deep", "marker", Q.Q2);

        var received = await subscriber.Messages.WaitUntilAsync(list => list.Any(m => m.Payload == "marker"), "the marker");
        var copies = received.Where(m => m.Payload == "overlap").ToList();
        Assert.InRange(copies.Count, 1, 2);
        var identifiers = copies.SelectMany(m => m.Message.SubscriptionIdentifiers ?? []).Order().ToList();
        Assert.Equal([11u, 22u], identifiers);
        Assert.Contains(copies, m => m.Qos == 2); // the highest granted QoS is respected [MQTT-3.3.4-2]
        var marker = received.Single(m => m.Payload == "marker");
        Assert.Equal([11u], marker.Message.SubscriptionIdentifiers);
    }

    [Fact]
    public async Task A_subscription_identifier_is_sent_with_each_matching_message_MQTT_3_3_4_3()
    {
        var topic = Unique.Topic();
        await using var subscriber = await TestClient.ConnectAsync(Port);
        await subscriber.SubscribeAsync(new MqttClientSubscribeOptionsBuilder().WithTopicFilter(topic, Q.Q1).WithSubscriptionIdentifier(268_435_455).Build());
        await using var publisher = await TestClient.ConnectAsync(Port);

        await publisher.PublishAsync(topic, "x", Q.Q1);

        var message = await subscriber.Messages.WaitForAsync(m => m.Topic == topic, "the message");
        Assert.Equal([268_435_455u], message.Message.SubscriptionIdentifiers);
    }

    [Fact]
    public async Task A_message_without_a_subscription_identifier_has_none()
    {
        var topic = Unique.Topic();
        await using var subscriber = await TestClient.ConnectAsync(Port);
        await subscriber.SubscribeAsync(topic, Q.Q1);
        await using var publisher = await TestClient.ConnectAsync(Port);

        await publisher.PublishAsync(topic, "x", Q.Q1);

        var message = await subscriber.Messages.WaitForAsync(m => m.Topic == topic, "the message");
        Assert.True(message.Message.SubscriptionIdentifiers is null or { Count: 0 });
    }

    [Fact]
    public async Task SUBACK_grants_each_requested_QoS_in_order_with_the_same_packet_id_MQTT_3_8_4_1()
    {
        var root = Unique.Topic();
        await using var raw = await RawMqttConnection.ConnectAsync(Port, 4, Unique.ClientId());

        await raw.SendAsync(RawPackets.Subscribe(0x1234, false, ($"{root}/a", 0), ($"{root}/b", 1), ($"{root}/c", 2)));
        var subAck = await raw.ExpectAsync(RawPacket.SubAck);

        Assert.Equal(0x90, subAck.FirstByte);
        Assert.Equal(0x1234, subAck.PacketId);
        Assert.Equal([0, 1, 2], subAck.AckReasonCodes(v5: false));
    }

    [Fact]
    public async Task An_invalid_filter_gets_0x80_in_3_1_1_while_the_valid_one_is_granted()
    {
        var root = Unique.Topic();
        await using var raw = await RawMqttConnection.ConnectAsync(Port, 4, Unique.ClientId());

        await raw.SendAsync(RawPackets.Subscribe(7, false, ($"{root}/ok", 1), ($"{root}/#/bad", 1)));
        var packet = await raw.ReceiveOrCloseAsync();

        // 3.1.1 allows closing the connection on an invalid filter; when the broker answers, it is 0x80 for that filter
        if (packet is not null)
        {
            Assert.Equal(RawPacket.SubAck, packet.Type);
            Assert.Equal([1, 0x80], packet.AckReasonCodes(v5: false));
        }
    }

    [Fact]
    public async Task An_invalid_filter_gets_0x8F_Topic_Filter_invalid_in_5_0()
    {
        var root = Unique.Topic();
        await using var raw = await RawMqttConnection.ConnectAsync(Port, 5, Unique.ClientId());

        await raw.SendAsync(RawPackets.Subscribe(7, true, ($"{root}/ok", 2), ($"{root}/a+/bad", 1)));
        var packet = await raw.ReceiveOrCloseAsync();

        Assert.NotNull(packet);
        if (packet.Type == RawPacket.Disconnect)
        {
            Assert.Contains(packet.DisconnectReason, new byte[] { 0x8F, 0x81, 0x82 });
        }
        else
        {
            Assert.Equal(RawPacket.SubAck, packet.Type);
            Assert.Equal([2, 0x8F], packet.AckReasonCodes(v5: true));
        }
    }

    [Fact]
    public async Task Subscribing_again_to_the_same_filter_replaces_the_subscription_MQTT_3_8_4_3()
    {
        var topic = Unique.Topic();
        await using var subscriber = await TestClient.ConnectAsync(Port);
        await subscriber.SubscribeAsync(topic, Q.Q0);
        await subscriber.SubscribeAsync(topic, Q.Q2);
        await using var publisher = await TestClient.ConnectAsync(Port);

        await publisher.PublishAsync(topic, "one", Q.Q2);
        await publisher.PublishAsync(topic, "marker", Q.Q2);

        var received = await subscriber.Messages.WaitUntilAsync(list => list.Any(m => m.Payload == "marker"), "the marker");
        var one = Assert.Single(received, m => m.Payload == "one");
        Assert.Equal(2, one.Qos);
    }

    [Fact]
    public async Task UNSUBSCRIBE_stops_delivery_and_UNSUBACK_reports_success_or_no_subscription_MQTT_3_10_4_4()
    {
        var topic = Unique.Topic();
        var marker = Unique.Topic("marker");
        await using var raw = await RawMqttConnection.ConnectAsync(Port, 5, Unique.ClientId());
        await raw.SendAsync(RawPackets.Subscribe(1, true, (topic, 1), (marker, 1)));
        await raw.ExpectAsync(RawPacket.SubAck);

        await raw.SendAsync(RawPackets.Unsubscribe(2, true, topic, Unique.Topic("never-subscribed")));
        var unsubAck = await raw.ExpectAsync(RawPacket.UnsubAck);
        Assert.Equal(0xB0, unsubAck.FirstByte);
        Assert.Equal(2, unsubAck.PacketId);
        Assert.Equal([0x00, 0x11], unsubAck.AckReasonCodes(v5: true));

        await using var publisher = await TestClient.ConnectAsync(Port);
        await publisher.PublishAsync(topic, "after-unsubscribe", Q.Q1);
        await publisher.PublishAsync(marker, "marker", Q.Q1);
        var publish = (await raw.ExpectAsync(RawPacket.Publish)).DecodePublish(v5: true);
        Assert.Equal(marker, publish.Topic);
    }

    [Fact]
    public async Task UNSUBSCRIBE_in_3_1_1_is_acknowledged_with_UNSUBACK_even_for_unknown_filters_MQTT_3_10_4_5()
    {
        await using var raw = await RawMqttConnection.ConnectAsync(Port, 4, Unique.ClientId());

        await raw.SendAsync(RawPackets.Unsubscribe(9, false, Unique.Topic()));
        var unsubAck = await raw.ExpectAsync(RawPacket.UnsubAck);

        Assert.Equal(9, unsubAck.PacketId);
        Assert.Equal(2, unsubAck.Body.Length);
    }

    [Fact]
    public async Task No_Local_keeps_a_client_s_own_messages_from_it_MQTT_3_8_3_3()
    {
        var topic = Unique.Topic();
        await using var client = await TestClient.ConnectAsync(Port);
        await client.SubscribeAsync(new MqttClientSubscribeOptionsBuilder().WithTopicFilter(topic, Q.Q1, noLocal: true, retainAsPublished: false, retainHandling: MqttRetainHandling.SendAtSubscribe).Build());
        await using var other = await TestClient.ConnectAsync(Port);
        await other.SubscribeAsync(topic, Q.Q1);

        await client.PublishAsync(topic, "own", Q.Q1);
        await other.PublishAsync(topic, "marker", Q.Q1);

        await client.Messages.WaitForAsync(m => m.Payload == "marker", "the marker from the other client");
        Assert.DoesNotContain(client.Messages.Snapshot(), m => m.Payload == "own");
        await other.Messages.WaitForAsync(m => m.Payload == "own", "the own message at a subscriber without No Local");
    }

    [Fact]
    public async Task Without_No_Local_a_client_receives_its_own_messages()
    {
        var topic = Unique.Topic();
        await using var client = await TestClient.ConnectAsync(Port);
        await client.SubscribeAsync(topic, Q.Q1);

        await client.PublishAsync(topic, "own", Q.Q1);

        await client.Messages.WaitForAsync(m => m.Payload == "own", "the own message");
    }

    [Fact]
    public async Task The_spec_examples_for_leading_slashes_hold_MQTT_4_7_1_3()
    {
        // section 4.7.1.2: "+/+" and "/+" match "/finance"; "+" does not
        var leaf = Unique.ClientId("finance"); // a unique first-level name
        var topic = "/" + leaf;
        await using var plusPlus = await TestClient.ConnectAsync(Port);
        await plusPlus.SubscribeAsync("+/+", Q.Q1);
        await using var slashPlus = await TestClient.ConnectAsync(Port);
        await slashPlus.SubscribeAsync("/+", Q.Q1);
        await using var plus = await TestClient.ConnectAsync(Port);
        await plus.SubscribeAsync("+", Q.Q1);
        await using var publisher = await TestClient.ConnectAsync(Port);

        await publisher.PublishAsync(topic, "leading-slash", Q.Q1);
        await publisher.PublishAsync(leaf, "marker", Q.Q1); // one level: matches "+" only

        await plusPlus.Messages.WaitForAsync(m => m.Topic == topic, "'/finance' at '+/+'");
        await slashPlus.Messages.WaitForAsync(m => m.Topic == topic, "'/finance' at '/+'");
        await plus.Messages.WaitForAsync(m => m.Topic == leaf, "the marker at '+'");
        Assert.DoesNotContain(plus.Messages.Snapshot(), m => m.Topic == topic);
    }

    [Fact]
    public async Task Topics_are_case_sensitive_and_a_trailing_slash_is_another_level_MQTT_4_7_3()
    {
        var root = Unique.Topic();
        await using var subscriber = await TestClient.ConnectAsync(Port);
        await subscriber.SubscribeAsync($"{root}/a/b", Q.Q1);
        await subscriber.SubscribeAsync($"{root}/marker", Q.Q1);

        var received = await PublishAndCollectAsync(subscriber, $"{root}/marker", $"{root}/A/b", $"{root}/a/b/", $"{root}/a/b", $"{root}/a//b");

        Assert.Equal([$"{root}/a/b"], received);
    }

    [Fact]
    public async Task Multi_byte_UTF_8_topics_match_and_arrive_unchanged()
    {
        var root = Unique.Topic();
        var topic = $"{root}/température/ü/日本/😀";
        await using var subscriber = await TestClient.ConnectAsync(Port);
        await subscriber.SubscribeAsync($"{root}/température/+/日本/#", Q.Q1);
        await using var publisher = await TestClient.ConnectAsync(Port, version: MqttProtocolVersion.V311);

        await publisher.PublishAsync(topic, "unicode", Q.Q1);

        var message = await subscriber.Messages.WaitForAsync(m => m.Payload == "unicode", "the message");
        Assert.Equal(topic, message.Topic);
    }

    [Fact]
    public async Task A_subscription_identifier_of_0_is_a_protocol_error_MQTT_3_8_2_1()
    {
        await using var raw = await RawMqttConnection.ConnectAsync(Port, 5, Unique.ClientId());

        await raw.TrySendAsync(RawPackets.Subscribe(1, true, [[MqttProperties.SubscriptionIdentifier, 0x00]], (Unique.Topic(), 1)));
        var before = await raw.WaitForCloseAsync();

        var disconnect = Assert.Single(before);
        Assert.Equal((RawPacket.Disconnect, (byte)0x82), (disconnect.Type, disconnect.DisconnectReason));
    }
}
