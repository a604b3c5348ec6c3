using ClusterBroker.Core.Tests.Infrastructure;
using ClusterBroker.Protocol;
using ClusterBroker.Protocol.Packets;
using Microsoft.Extensions.Logging;

namespace ClusterBroker.Core.Tests;

public class Malformed_Input_Tests
{
    [Theory]
    [InlineData(ReasonCode.MalformedPacket, "MQTT-1.5.4-1")]
    [InlineData(ReasonCode.ProtocolError, "MQTT-2.1.3-1")]
    [InlineData(ReasonCode.PacketTooLarge, "MQTT-3.2.2-15")]
    public void A_decoder_violation_after_CONNECT_sends_DISCONNECT_with_its_reason_in_5_0_and_closes_only_that_connection(ReasonCode code, string rule)
    {
        var broker = new TestBroker();
        TestClient other = broker.Connect("other");
        other.Subscribe("t");
        TestClient bad = broker.Connect("bad");
        bad.Violate(new ProtocolViolation(code, rule, "test"));
        bad.Drop();

        Assert.Equal(code, bad.ServerDisconnect!.ReasonCode);
        Assert.True(bad.Connection.Closed);
        Assert.False(other.Connection.Closed);
        broker.Connect("pub").Publish("t", "still fine");
        Assert.Single(other.Received);

        var lines = broker.Logs.AtLeast(LogLevel.Information).Where(e => e.Message.Contains("bad")).ToArray();
        var line = Assert.Single(lines);
        Assert.Contains(line.State, kv => kv.Key == "ClientId" && (string?)kv.Value == "bad");
        Assert.Contains(line.State, kv => kv.Key == "Rule" && (string?)kv.Value == rule);
    }

    [Fact]
    public void A_violation_in_3_1_1_closes_without_DISCONNECT()
    {
        var broker = new TestBroker();
        TestClient bad = broker.Connect("bad", ProtocolVersion.V311);
        bad.Violate(new ProtocolViolation(ReasonCode.MalformedPacket, "MQTT-2.2.2-2", "reserved flags"));
        Assert.Null(bad.ServerDisconnect);
        Assert.True(bad.Connection.Closed);
    }

    [Fact]
    public void A_violation_before_CONNECT_closes_without_an_answer()
    {
        var broker = new TestBroker();
        TestClient bad = broker.Open();
        bad.Violate(new ProtocolViolation(ReasonCode.MalformedPacket, "MQTT-1.5.4-1", "garbage"));
        Assert.Empty(bad.Connection.Sent);
        Assert.True(bad.Connection.Closed);
        Assert.Equal(0, broker.Context.Connections.Count);
    }

    [Fact]
    public void A_half_sent_CONNECT_then_silence_is_closed_by_the_connect_timeout()
    {
        var broker = new TestBroker(o => o.ConnectTimeout = TimeSpan.FromSeconds(3));
        TestClient silent = broker.Open();
        Assert.Equal(TimeSpan.FromSeconds(3), Assert.Single(silent.Connection.Timers).Delay);
        silent.Connection.FireTimers();
        Assert.True(silent.Connection.Closed);
    }

    [Fact]
    public void Nothing_is_logged_twice_when_the_socket_closes_after_a_violation()
    {
        var broker = new TestBroker();
        TestClient bad = broker.Connect("bad");
        bad.Publish("a/#", "x");
        bad.Drop(new IOException("reset"));
        bad.Drop();
        Assert.Single(broker.Logs.AtLeast(LogLevel.Information), e => e.Message.Contains("bad"));
    }

    [Fact]
    public void AUTH_without_enhanced_authentication_is_a_protocol_error()
    {
        var broker = new TestBroker();
        TestClient client = broker.Connect("c");
        client.Send(new AuthPacket { ReasonCode = ReasonCode.ContinueAuthentication });
        Assert.Equal(ReasonCode.ProtocolError, client.ServerDisconnect!.ReasonCode);
    }
}
