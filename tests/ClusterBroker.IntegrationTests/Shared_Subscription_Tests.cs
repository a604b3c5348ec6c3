namespace ClusterBroker.IntegrationTests;

/// <summary>Shared subscriptions ($share/{group}/{filter} and $queue/{filter}) on one node (MQTT 5.0, section 4.8.2).</summary>
public sealed class Shared_Subscription_Tests(BrokerFixture broker) : IClassFixture<BrokerFixture>
{
    private int Port => broker.Port;

    private async Task<List<TestClient>> MembersAsync(string filter, int count, MqttProtocolVersion version = MqttProtocolVersion.V500)
    {
        var members = new List<TestClient>();
        for (var i = 0; i < count; i++)
        {
            var member = await TestClient.ConnectAsync(Port, version: version);
            members.Add(member);
            await member.SubscribeAsync(filter, Q.Q1);
        }
        return members;
    }

    private static async Task DisposeAllAsync(IEnumerable<TestClient> clients)
    {
        foreach (var client in clients)
        {
            await client.DisposeAsync();
        }
    }

    [Fact]
    public async Task Each_message_goes_to_exactly_one_member_round_robin_MQTT_4_8_2()
    {
        var topic = Unique.Topic();
        var members = await MembersAsync($"$share/group/{topic}", 3);
        try
        {
            await using var publisher = await TestClient.ConnectAsync(Port);
            for (var i = 0; i < 30; i++)
            {
                await publisher.PublishAsync(topic, $"{i:D2}", Q.Q1);
            }

            await Eventually.AssertAsync(() => members.Sum(m => m.Messages.Count) >= 30, "all 30 messages delivered to the group");
            // a marker round shows nothing more is coming: 3 more messages, one per member
            for (var i = 30; i < 33; i++)
            {
                await publisher.PublishAsync(topic, $"{i:D2}", Q.Q1);
            }
            await Eventually.AssertAsync(() => members.Sum(m => m.Messages.Count) >= 33, "the marker round");

            var all = members.SelectMany(m => m.Messages.Snapshot()).Select(m => m.Payload).Order().ToList();
            Assert.Equal(Enumerable.Range(0, 33).Select(i => $"{i:D2}"), all); // each exactly once
            Assert.All(members, m => Assert.Equal(11, m.Messages.Count)); // round robin spreads evenly
            Assert.All(members, m => Assert.All(m.Messages.Snapshot(), msg => Assert.Equal(topic, msg.Topic)));
        }
        finally
        {
            await DisposeAllAsync(members);
        }
    }

    [Fact]
    public async Task Every_group_and_every_plain_subscriber_gets_each_message()
    {
        var topic = Unique.Topic();
        var groupA = await MembersAsync($"$share/a/{topic}", 2);
        var groupB = await MembersAsync($"$share/b/{topic}", 2, MqttProtocolVersion.V311);
        await using var plain = await TestClient.ConnectAsync(Port);
        await plain.SubscribeAsync(topic, Q.Q1);
        try
        {
            await using var publisher = await TestClient.ConnectAsync(Port);
            for (var i = 0; i < 10; i++)
            {
                await publisher.PublishAsync(topic, $"{i}", Q.Q1);
            }

            await plain.Messages.WaitForCountAsync(10);
            await Eventually.AssertAsync(() => groupA.Sum(m => m.Messages.Count) >= 10 && groupB.Sum(m => m.Messages.Count) >= 10, "both groups got every message");
            await publisher.PublishAsync(topic, "marker", Q.Q1);
            await plain.Messages.WaitForAsync(m => m.Payload == "marker", "the marker");
            await Eventually.AssertAsync(() => groupA.Sum(m => m.Messages.Count) == 11 && groupB.Sum(m => m.Messages.Count) == 11, "each group got the marker once");

            Assert.Equal(11, groupA.SelectMany(m => m.Messages.Snapshot()).Select(m => m.Payload).Distinct().Count());
            Assert.Equal(11, groupB.SelectMany(m => m.Messages.Snapshot()).Select(m => m.Payload).Distinct().Count());
        }
        finally
        {
            await DisposeAllAsync(groupA.Concat(groupB));
        }
    }

    [Fact]
    public async Task A_shared_filter_with_wildcards_matches_like_a_normal_filter()
    {
        var root = Unique.Topic();
        var members = await MembersAsync($"$share/wild/{root}/+/x", 2);
        try
        {
            await using var publisher = await TestClient.ConnectAsync(Port);
            await publisher.PublishAsync($"{root}/a/x", "match-1", Q.Q1);
            await publisher.PublishAsync($"{root}/a/y", "no-match", Q.Q1);
            await publisher.PublishAsync($"{root}/b/x", "match-2", Q.Q1);
            await publisher.PublishAsync($"{root}/c/x", "match-3", Q.Q1);

            await Eventually.AssertAsync(() => members.Sum(m => m.Messages.Count) >= 3, "the 3 matching messages");
            var all = members.SelectMany(m => m.Messages.Snapshot()).Select(m => m.Payload).Order();
            Assert.Equal(["match-1", "match-2", "match-3"], all);
        }
        finally
        {
            await DisposeAllAsync(members);
        }
    }

    [Fact]
    public async Task Queue_subscriptions_deliver_each_message_to_one_member()
    {
        var topic = Unique.Topic();
        var members = await MembersAsync($"$queue/{topic}", 2);
        try
        {
            await using var publisher = await TestClient.ConnectAsync(Port);
            for (var i = 0; i < 10; i++)
            {
                await publisher.PublishAsync(topic, $"{i}", Q.Q1);
            }

            await Eventually.AssertAsync(() => members.Sum(m => m.Messages.Count) >= 10, "10 messages to the queue group");
            await publisher.PublishAsync(topic, "marker-a", Q.Q1);
            await publisher.PublishAsync(topic, "marker-b", Q.Q1);
            await Eventually.AssertAsync(() => members.Sum(m => m.Messages.Count) >= 12, "the markers");

            var all = members.SelectMany(m => m.Messages.Snapshot()).Select(m => m.Payload).ToList();
            Assert.Equal(12, all.Count);
            Assert.Equal(12, all.Distinct().Count());
            Assert.All(members, m => Assert.True(m.Messages.Count > 0, "round robin reaches every member"));
        }
        finally
        {
            await DisposeAllAsync(members);
        }
    }

    [Fact]
    public async Task Unacknowledged_QoS_1_messages_of_a_member_that_leaves_go_to_another_member()
    {
        var topic = Unique.Topic();
        var filter = $"$share/redeliver/{topic}";
        await using var leaving = await RawMqttConnection.ConnectAsync(Port, 5, Unique.ClientId());
        await leaving.SendAsync(RawPackets.Subscribe(1, true, (filter, 1)));
        await leaving.ExpectAsync(RawPacket.SubAck);
        await using var staying = await TestClient.ConnectAsync(Port);
        await staying.SubscribeAsync(filter, Q.Q1);
        await using var publisher = await TestClient.ConnectAsync(Port);

        for (var i = 0; i < 10; i++)
        {
            await publisher.PublishAsync(topic, $"{i}", Q.Q1);
        }
        var held = new MessageCollector<string>();
        var pump = Task.Run(async () =>
        {
            while (await leaving.ReceiveOrCloseAsync(TimeSpan.FromSeconds(30)) is { } packet)
            {
                if (packet.Type == RawPacket.Publish)
                {
                    held.Add(packet.DecodePublish(v5: true).PayloadText); // never acknowledged
                }
            }
        });
        await Eventually.AssertAsync(() => held.Count + staying.Messages.Count >= 10, "all 10 messages reached a member");
        var heldByLeaving = held.Snapshot();
        Assert.NotEmpty(heldByLeaving);
        leaving.Drop();
        await pump.WaitAsync(TestTimeouts.Default).ContinueWith(static _ => { }, TaskScheduler.Default);

        var received = await staying.Messages.WaitUntilAsync(
            list => heldByLeaving.All(p => list.Any(m => m.Payload == p)),
            $"the messages the leaving member held: {string.Join(",", heldByLeaving)}");
        Assert.Equal(Enumerable.Range(0, 10).Select(i => $"{i}"), received.Select(m => m.Payload).Distinct().OrderBy(int.Parse));
    }

    [Fact]
    public async Task A_member_that_unsubscribes_gets_no_more_messages()
    {
        var topic = Unique.Topic();
        var filter = $"$share/unsub/{topic}";
        var members = await MembersAsync(filter, 2);
        try
        {
            await members[0].UnsubscribeAsync(filter);
            await using var publisher = await TestClient.ConnectAsync(Port);
            for (var i = 0; i < 6; i++)
            {
                await publisher.PublishAsync(topic, $"{i}", Q.Q1);
            }

            await members[1].Messages.WaitForCountAsync(6);
            Assert.Equal(0, members[0].Messages.Count);
        }
        finally
        {
            await DisposeAllAsync(members);
        }
    }

    [Fact]
    public async Task No_Local_on_a_shared_subscription_is_a_protocol_error_MQTT_3_8_3_4()
    {
        await using var raw = await RawMqttConnection.ConnectAsync(Port, 5, Unique.ClientId());

        await raw.TrySendAsync(RawPackets.Subscribe(1, true, ($"$share/g/{Unique.Topic()}", 0x01 | 0x04)));
        var before = await raw.WaitForCloseAsync();

        var disconnect = Assert.Single(before);
        Assert.Equal((RawPacket.Disconnect, (byte)0x82), (disconnect.Type, disconnect.DisconnectReason));
    }

    [Fact]
    public async Task A_shared_subscription_is_granted_in_SUBACK()
    {
        await using var raw = await RawMqttConnection.ConnectAsync(Port, 5, Unique.ClientId());

        await raw.SendAsync(RawPackets.Subscribe(1, true, ($"$share/g/{Unique.Topic()}", 2), ($"$queue/{Unique.Topic()}", 1)));
        var subAck = await raw.ExpectAsync(RawPacket.SubAck);

        Assert.Equal([2, 1], subAck.AckReasonCodes(v5: true));
    }

    [Fact]
    public async Task Retained_messages_are_not_sent_for_a_new_shared_subscription()
    {
        var topic = Unique.Topic();
        await using var publisher = await TestClient.ConnectAsync(Port);
        await publisher.PublishAsync(topic, "retained", Q.Q1, retain: true);
        await using var member = await TestClient.ConnectAsync(Port);

        // section 3.3.1.3: retained messages are sent when a new non-shared subscription is made
        await member.SubscribeAsync($"$share/retained/{topic}", Q.Q1);
        await publisher.PublishAsync(topic, "marker", Q.Q1);

        var received = await member.Messages.WaitUntilAsync(list => list.Any(m => m.Payload == "marker"), "the marker");
        Assert.Equal(["marker"], received.Select(m => m.Payload));
    }
}
