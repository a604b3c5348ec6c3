using ClusterBroker.Core;
using ClusterBroker.Core.Routing;

namespace ClusterBroker.IntegrationTests;

/// <summary>
/// A shared group whose members are all offline keeps QoS 1/2 messages for the next member that comes online
/// (Broker:MaxQueuedMessagesPerSharedGroup), and a QoS 2 message being sent stays with its member ([MQTT-4.8.2-5]).
/// </summary>
public sealed class Shared_Group_Queue_Tests
{
    private static Action<MqttClientOptionsBuilder> Persistent => b => b.WithCleanStart(false).WithSessionExpiryInterval(3600);

    private static NodeRouter Router(TestBroker broker) => broker.Host.Node.Context.Router;

    /// <summary>A persistent member of the group that subscribes and goes away; returns its ClientId.</summary>
    private static async Task<string> OfflineMemberAsync(TestBroker broker, string filter)
    {
        string clientId = Unique.ClientId("offline");
        await using (var member = await TestClient.ConnectAsync(broker.Port, clientId, configure: Persistent))
        {
            await member.SubscribeAsync(filter, Q.Q1);
        }

        await Eventually.AssertAsync(
            () => Router(broker).TryGetEndpoint(clientId, out SessionEndpoint e) && !e.IsOnline,
            "the broker saw the persistent member go offline");
        return clientId;
    }

    [Fact]
    public async Task Messages_wait_in_the_group_while_no_member_is_online_and_go_to_the_next_member_that_joins()
    {
        await using var broker = await TestBroker.StartAsync(new BrokerOptions());
        var topic = Unique.Topic();
        string filter = $"$share/q/{topic}";
        string offlineId = await OfflineMemberAsync(broker, filter);

        await using var publisher = await TestClient.ConnectAsync(broker.Port);
        for (var i = 0; i < 5; i++)
        {
            await publisher.PublishAsync(topic, $"q{i}", Q.Q1);
        }

        await Eventually.AssertAsync(() => Router(broker).SharedMessagesWaiting == 5, "5 messages waiting in the group");

        await using var next = await TestClient.ConnectAsync(broker.Port);
        await next.SubscribeAsync(filter, Q.Q1);
        var received = await next.Messages.WaitForCountAsync(5);
        Assert.Equal(["q0", "q1", "q2", "q3", "q4"], received.Select(m => m.Payload)); // in order
        Assert.Equal(0, Router(broker).SharedMessagesWaiting);

        // The offline member comes back: the messages are not given to it a second time.
        await using var back = await TestClient.ConnectAsync(broker.Port, offlineId, configure: Persistent);
        Assert.True(back.ConnectResult.IsSessionPresent);
        await publisher.PublishAsync(topic, "marker1", Q.Q1);
        await publisher.PublishAsync(topic, "marker2", Q.Q1);
        await Eventually.AssertAsync(
            () => next.Messages.Snapshot().Concat(back.Messages.Snapshot()).Count(m => m.Payload.StartsWith("marker", StringComparison.Ordinal)) == 2,
            "both markers delivered");
        Assert.DoesNotContain(back.Messages.Snapshot(), m => m.Payload.StartsWith('q'));
        Assert.Equal(5, next.Messages.Snapshot().Count(m => m.Payload.StartsWith('q')));
    }

    [Fact]
    public async Task A_member_that_comes_back_online_gets_what_the_group_kept()
    {
        await using var broker = await TestBroker.StartAsync(new BrokerOptions());
        var topic = Unique.Topic();
        string filter = $"$share/q/{topic}";
        string offlineId = await OfflineMemberAsync(broker, filter);
        await using var publisher = await TestClient.ConnectAsync(broker.Port);
        for (var i = 0; i < 3; i++)
        {
            await publisher.PublishAsync(topic, $"q{i}", Q.Q2);
        }

        await Eventually.AssertAsync(() => Router(broker).SharedMessagesWaiting == 3, "3 messages waiting in the group");
        await using var back = await TestClient.ConnectAsync(broker.Port, offlineId, configure: Persistent);
        var received = await back.Messages.WaitForCountAsync(3);
        Assert.Equal(["q0", "q1", "q2"], received.Select(m => m.Payload));
        Assert.All(received, m => Assert.Equal(1, m.Qos)); // the member's granted QoS
    }

    [Fact]
    public async Task The_group_queue_is_bounded_and_counts_what_it_drops()
    {
        await using var broker = await TestBroker.StartAsync(new BrokerOptions { MaxQueuedMessagesPerSharedGroup = 3 });
        var topic = Unique.Topic();
        string filter = $"$share/q/{topic}";
        await OfflineMemberAsync(broker, filter);
        await using var publisher = await TestClient.ConnectAsync(broker.Port);
        for (var i = 0; i < 5; i++)
        {
            await publisher.PublishAsync(topic, $"q{i}", Q.Q1);
        }

        await Eventually.AssertAsync(() => Router(broker).SharedMessagesDropped == 2, "the 2 oldest dropped");
        Assert.NotEmpty(broker.Logs.WarningsMentioning("its queue is full"));
        await using var next = await TestClient.ConnectAsync(broker.Port);
        await next.SubscribeAsync(filter, Q.Q1);
        var received = await next.Messages.WaitForCountAsync(3);
        Assert.Equal(["q2", "q3", "q4"], received.Select(m => m.Payload));
    }

    [Fact]
    public async Task A_QoS_2_message_being_sent_to_a_member_that_disconnects_goes_to_no_other_member_MQTT_4_8_2_5()
    {
        await using var broker = await TestBroker.StartAsync(new BrokerOptions());
        var topic = Unique.Topic();
        var filter = $"$share/q2/{topic}";
        string leavingId = Unique.ClientId("leaving");
        var leaving = await RawMqttConnection.ConnectAsync(broker.Port, 5, leavingId);
        await leaving.SendAsync(RawPackets.Subscribe(1, true, (filter, 2)));
        await leaving.ExpectAsync(RawPacket.SubAck);
        await using var staying = await TestClient.ConnectAsync(broker.Port);
        await staying.SubscribeAsync(filter, Q.Q2);
        await using var publisher = await TestClient.ConnectAsync(broker.Port);
        for (var i = 0; i < 6; i++)
        {
            await publisher.PublishAsync(topic, $"{i}", Q.Q2);
        }

        var held = new MessageCollector<string>();
        var pump = Task.Run(async () =>
        {
            while (await leaving.ReceiveOrCloseAsync(TimeSpan.FromSeconds(30)) is { } packet)
            {
                if (packet.Type == RawPacket.Publish)
                {
                    held.Add(packet.DecodePublish(v5: true).PayloadText); // no PUBREC: in the process of being sent
                }
            }
        });
        await Eventually.AssertAsync(() => held.Count + staying.Messages.Count >= 6, "all 6 messages reached a member");
        var heldByLeaving = held.Snapshot();
        Assert.NotEmpty(heldByLeaving);
        leaving.Drop();
        await pump.WaitAsync(TestTimeouts.Default).ContinueWith(static _ => { }, TaskScheduler.Default);
        await leaving.DisposeAsync();
        await Eventually.AssertAsync(() => !Router(broker).TryGetEndpoint(leavingId, out _), "the broker ended the leaving member's session");

        await publisher.PublishAsync(topic, "marker", Q.Q2);
        await staying.Messages.WaitForAsync(m => m.Payload == "marker", "the marker");
        Assert.DoesNotContain(staying.Messages.Snapshot(), m => heldByLeaving.Contains(m.Payload));
    }
}
