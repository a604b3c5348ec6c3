using ClusterBroker.Core.Tests.Infrastructure;
using ClusterBroker.Protocol;
using ClusterBroker.Protocol.Packets;

namespace ClusterBroker.Core.Tests;

public class KeepAlive_Tests
{
    [Fact]
    public void A_client_silent_for_one_and_a_half_keep_alives_is_disconnected_with_0x8D_MQTT_3_1_2_24()
    {
        var broker = new TestBroker();
        TestClient client = broker.Connect("c", customize: c => c with { KeepAlive = 10 });
        FakeConnection.FakeTimer timer = client.Connection.Timers.Last();
        Assert.Equal(TimeSpan.FromSeconds(15), timer.Delay);
        broker.Time.Advance(TimeSpan.FromSeconds(15));
        timer.Fire();
        Assert.Equal(ReasonCode.KeepAliveTimeout, client.ServerDisconnect!.ReasonCode);
        Assert.True(client.Connection.Closed);
    }

    [Fact]
    public void Any_packet_restarts_the_keep_alive_period()
    {
        var broker = new TestBroker();
        TestClient client = broker.Connect("c", customize: c => c with { KeepAlive = 10 });
        broker.Time.Advance(TimeSpan.FromSeconds(10));
        client.Send(PingReqPacket.Instance);
        Assert.IsType<PingRespPacket>(client.Connection.Sent.Last());
        broker.Time.Advance(TimeSpan.FromSeconds(5));
        client.Connection.Timers.Last().Fire();
        Assert.False(client.Connection.Closed);

        FakeConnection.FakeTimer rearmed = client.Connection.Timers.Last();
        Assert.Equal(TimeSpan.FromSeconds(10), rearmed.Delay);
        broker.Time.Advance(TimeSpan.FromSeconds(10));
        rearmed.Fire();
        Assert.True(client.Connection.Closed);
    }

    [Fact]
    public void Keep_alive_0_disables_the_timer()
    {
        var broker = new TestBroker();
        TestClient client = broker.Connect("c", customize: c => c with { KeepAlive = 0 });
        Assert.All(client.Connection.Timers, t => Assert.True(t.Disposed || t.Fired));
    }

    [Fact]
    public void Server_Keep_Alive_overrides_the_client_value_in_5_0()
    {
        var broker = new TestBroker(o => o.ServerKeepAlive = 5);
        TestClient client = broker.Connect("c", customize: c => c with { KeepAlive = 100 });
        Assert.Equal((ushort)5, client.Connection.Last<ConnAckPacket>().ServerKeepAlive);
        Assert.Equal(TimeSpan.FromSeconds(7.5), client.Connection.Timers.Last().Delay);
    }

    [Theory]
    [InlineData((ushort)100)]
    [InlineData((ushort)0)]
    public void A_5_0_client_asking_for_more_than_MaxKeepAlive_or_for_none_is_told_the_maximum_and_held_to_it_MQTT_3_2_2_21(ushort requested)
    {
        var broker = new TestBroker(o => o.MaxKeepAlive = 30);
        TestClient client = broker.Connect("c", customize: c => c with { KeepAlive = requested });
        Assert.Equal((ushort)30, client.Connection.Last<ConnAckPacket>().ServerKeepAlive);
        Assert.Equal(TimeSpan.FromSeconds(45), client.Connection.Timers.Last().Delay);

        broker.Time.Advance(TimeSpan.FromSeconds(46));
        client.Connection.FireTimers();
        Assert.Equal(ReasonCode.KeepAliveTimeout, client.ServerDisconnect!.ReasonCode);
    }

    [Fact]
    public void A_5_0_client_within_the_limits_gets_no_Server_Keep_Alive()
    {
        var broker = new TestBroker(o =>
        {
            o.MaxKeepAlive = 30;
            o.MinKeepAlive = 5;
        });
        TestClient client = broker.Connect("c", customize: c => c with { KeepAlive = 20 });
        Assert.Null(client.Connection.Last<ConnAckPacket>().ServerKeepAlive);
        Assert.Equal(TimeSpan.FromSeconds(30), client.Connection.Timers.Last().Delay);
    }

    [Fact]
    public void A_keep_alive_below_MinKeepAlive_is_raised_and_announced()
    {
        var broker = new TestBroker(o => o.MinKeepAlive = 10);
        TestClient client = broker.Connect("c", customize: c => c with { KeepAlive = 2 });
        Assert.Equal((ushort)10, client.Connection.Last<ConnAckPacket>().ServerKeepAlive);
        Assert.Equal(TimeSpan.FromSeconds(15), client.Connection.Timers.Last().Delay);
    }

    [Fact]
    public void MinKeepAlive_leaves_keep_alive_0_alone()
    {
        var broker = new TestBroker(o => o.MinKeepAlive = 10);
        TestClient client = broker.Connect("c", customize: c => c with { KeepAlive = 0 });
        Assert.Null(client.Connection.Last<ConnAckPacket>().ServerKeepAlive);
        Assert.All(client.Connection.Timers, t => Assert.True(t.Disposed || t.Fired));
    }

    [Theory]
    [InlineData((ushort)100)]
    [InlineData((ushort)0)]
    public void A_3_1_1_client_asking_for_more_than_MaxKeepAlive_is_accepted_and_held_to_the_maximum(ushort requested)
    {
        var broker = new TestBroker(o => o.MaxKeepAlive = 30);
        TestClient client = broker.Connect("c", ProtocolVersion.V311, customize: c => c with { KeepAlive = requested });
        Assert.Equal(ReasonCode.Success, client.Connection.Last<ConnAckPacket>().ReasonCode);
        Assert.Equal(TimeSpan.FromSeconds(45), client.Connection.Timers.Last().Delay);

        broker.Time.Advance(TimeSpan.FromSeconds(46));
        client.Connection.FireTimers();
        Assert.True(client.Connection.Closed);
        Assert.Empty(client.Connection.SentOf<DisconnectPacket>());
    }
}
