using ClusterBroker.Core.Tests.Infrastructure;
using ClusterBroker.Protocol;
using ClusterBroker.Protocol.Packets;

namespace ClusterBroker.Core.Tests;

public class Will_Tests
{
    private static ConnectPacket WithWill(ConnectPacket c, uint? delay = null, bool retain = false, uint sessionExpiry = 0) => c with
    {
        SessionExpiryInterval = sessionExpiry,
        Will = new WillMessage
        {
            Topic = "will/" + c.ClientId,
            Payload = "gone"u8.ToArray(),
            QoS = QualityOfService.AtLeastOnce,
            Retain = retain,
            WillDelayInterval = delay,
            ContentType = "text/plain",
            UserProperties = [new UserProperty("why", "test")],
        },
    };

    [Fact]
    public void The_will_is_published_when_the_connection_is_lost()
    {
        var broker = new TestBroker();
        TestClient watcher = broker.Connect("watcher");
        watcher.Subscribe("will/#");
        TestClient client = broker.Connect("dev", customize: c => WithWill(c));
        client.Drop(new IOException("reset"));
        PublishPacket will = Assert.Single(watcher.Received);
        Assert.Equal("will/dev", will.Topic);
        Assert.Equal("text/plain", will.ContentType);
        Assert.Equal(new[] { new UserProperty("why", "test") }, will.UserProperties);
    }

    [Fact]
    public void The_will_is_not_published_after_a_normal_DISCONNECT()
    {
        var broker = new TestBroker();
        TestClient watcher = broker.Connect("watcher");
        watcher.Subscribe("will/#");
        TestClient client = broker.Connect("dev", customize: c => WithWill(c));
        client.Send(DisconnectPacket.Normal);
        client.Drop();
        Assert.Empty(watcher.Received);
    }

    [Fact]
    public void DISCONNECT_with_reason_0x04_publishes_the_will()
    {
        var broker = new TestBroker();
        TestClient watcher = broker.Connect("watcher");
        watcher.Subscribe("will/#");
        TestClient client = broker.Connect("dev", customize: c => WithWill(c));
        client.Send(new DisconnectPacket { ReasonCode = ReasonCode.DisconnectWithWillMessage });
        Assert.Single(watcher.Received);
    }

    [Fact]
    public void A_protocol_error_and_a_keep_alive_timeout_publish_the_will()
    {
        var broker = new TestBroker();
        TestClient watcher = broker.Connect("watcher");
        watcher.Subscribe("will/#");
        TestClient bad = broker.Connect("bad", customize: c => WithWill(c));
        bad.Publish("a/#", "x");
        TestClient silent = broker.Connect("silent", customize: c => WithWill(c) with { KeepAlive = 1 });
        broker.Time.Advance(TimeSpan.FromSeconds(2));
        silent.Connection.FireTimers();
        Assert.Equal(new[] { "will/bad", "will/silent" }, watcher.Received.Select(p => p.Topic));
    }

    [Fact]
    public void The_will_delay_defers_the_will_and_a_reconnect_in_time_cancels_it()
    {
        var broker = new TestBroker();
        TestClient watcher = broker.Connect("watcher");
        watcher.Subscribe("will/#");
        TestClient client = broker.Connect("dev", clean: false, customize: c => WithWill(c, delay: 30, sessionExpiry: 300));
        client.Drop();
        Assert.Empty(watcher.Received);

        broker.Time.Advance(TimeSpan.FromSeconds(10));
        broker.Connect("dev", clean: false, customize: c => c with { SessionExpiryInterval = 300 });
        broker.Time.Advance(TimeSpan.FromSeconds(60));
        broker.Sessions.RunTimers();
        Assert.Empty(watcher.Received);
    }

    [Fact]
    public void The_delayed_will_is_published_when_the_delay_elapses()
    {
        var broker = new TestBroker();
        TestClient watcher = broker.Connect("watcher");
        watcher.Subscribe("will/#");
        TestClient client = broker.Connect("dev", clean: false, customize: c => WithWill(c, delay: 30, sessionExpiry: 300));
        client.Drop();
        broker.Time.Advance(TimeSpan.FromSeconds(31));
        broker.Sessions.RunTimers();
        Assert.Single(watcher.Received);
    }

    [Fact]
    public void The_will_delay_is_bounded_by_the_session_expiry()
    {
        var broker = new TestBroker();
        TestClient watcher = broker.Connect("watcher");
        watcher.Subscribe("will/#");
        TestClient client = broker.Connect("dev", customize: c => WithWill(c, delay: 30, sessionExpiry: 0));
        client.Drop();
        Assert.Single(watcher.Received);
    }

    [Fact]
    public void A_retained_will_is_stored_as_a_retained_message()
    {
        var broker = new TestBroker();
        TestClient client = broker.Connect("dev", customize: c => WithWill(c, retain: true));
        client.Drop();
        TestClient late = broker.Connect("late");
        late.Subscribe("will/dev");
        Assert.True(Assert.Single(late.Received).Retain);
    }
}
