using ClusterBroker.Protocol;

namespace ClusterBroker.Transport.Tests;

/// <summary>Bad input closes only the connection that sent it; the handler hears of it once.</summary>
public class BadInput_Tests
{
    [Fact]
    public async Task An_oversized_packet_is_rejected_before_its_body_arrives()
    {
        await using TestServer server = await TestServer.StartAsync(o => o.MaximumPacketSize = 1024);
        await using RawClient client = await RawClient.ConnectAsync(server.EndPoint);
        await client.SendAsync(Packets.Connect311);
        Assert.Equal(Packets.ConnAck311, await client.ReadFrameAsync());

        // Only the fixed header of a 1 MiB PUBLISH: the violation must not wait for the body.
        await client.SendAsync(0x30, 0x80, 0x80, 0x40);
        TestHandler handler = server.Handlers.Single();
        ProtocolViolation violation = await handler.Violated.Task.WithTimeout("the violation");
        Assert.Equal(ReasonCode.PacketTooLarge, violation.ReasonCode);
        await client.AssertClosedByServerAsync();
        await handler.Closed.Task.WithTimeout("OnConnectionClosed");
        Assert.Equal(1, handler.ClosedCount);
    }

    [Fact]
    public async Task Garbage_bytes_close_only_that_connection()
    {
        await using TestServer server = await TestServer.StartAsync();
        await using RawClient good = await RawClient.ConnectAsync(server.EndPoint);
        await good.SendAsync(Packets.Connect311);
        Assert.Equal(Packets.ConnAck311, await good.ReadFrameAsync());

        await using RawClient bad = await RawClient.ConnectAsync(server.EndPoint);
        await bad.SendAsync(0x00, 0xFF, 0x13, 0x37, 0x42, 0x00, 0x01);
        TestHandler badHandler = await server.WaitForHandlerAsync(1);
        ProtocolViolation violation = await badHandler.Violated.Task.WithTimeout("the violation");
        Assert.True(violation.ReasonCode is ReasonCode.MalformedPacket or ReasonCode.ProtocolError, violation.ToString());
        await bad.AssertClosedByServerAsync();
        await badHandler.Closed.Task.WithTimeout("OnConnectionClosed");

        await good.SendAsync(Packets.PingReq);
        Assert.Equal(Packets.PingResp, await good.ReadFrameAsync());
    }

    [Fact]
    public async Task No_packet_reaches_the_handler_after_a_violation_even_if_it_does_not_close()
    {
        await using TestServer server = await TestServer.StartAsync();
        await using RawClient client = await RawClient.ConnectAsync(server.EndPoint);
        await client.SendAsync(Packets.Connect311);
        Assert.Equal(Packets.ConnAck311, await client.ReadFrameAsync());
        TestHandler handler = server.Handlers.Single();
        handler.CloseOnViolation = false;

        // PUBLISH QoS 3 (reserved) followed by a valid PINGREQ.
        await client.SendAsync(Packets.Concat([0x36, 0x05, 0x00, 0x01, (byte)'t', 0x00, 0x01], Packets.PingReq));
        await handler.Violated.Task.WithTimeout("the violation");
        handler.Connection.Close();
        await client.AssertClosedByServerAsync();
        await handler.Closed.Task.WithTimeout("OnConnectionClosed");
        Assert.Single(handler.Packets);
    }

    [Fact]
    public async Task A_half_sent_packet_then_close_is_reported_once_as_an_abnormal_close()
    {
        await using TestServer server = await TestServer.StartAsync();
        await using RawClient client = await RawClient.ConnectAsync(server.EndPoint);
        await client.SendAsync(Packets.Connect311);
        Assert.Equal(Packets.ConnAck311, await client.ReadFrameAsync());
        await client.SendAsync(Packets.Publish311("a/b", "half")[..5]);
        TestHandler handler = server.Handlers.Single();
        client.Socket.Shutdown(System.Net.Sockets.SocketShutdown.Send);

        await handler.Closed.Task.WithTimeout("OnConnectionClosed");
        Assert.IsType<EndOfStreamException>(handler.CloseError);
        Assert.Equal(1, handler.ClosedCount);
        Assert.Null(handler.Violation);
    }

    [Fact]
    public async Task A_reset_connection_reports_the_error_once()
    {
        await using TestServer server = await TestServer.StartAsync();
        RawClient client = await RawClient.ConnectAsync(server.EndPoint);
        await client.SendAsync(Packets.Connect311);
        Assert.Equal(Packets.ConnAck311, await client.ReadFrameAsync());
        TestHandler handler = server.Handlers.Single();
        client.Reset();

        await handler.Closed.Task.WithTimeout("OnConnectionClosed");
        Assert.Equal(1, handler.ClosedCount);
        await Eventually.TrueAsync(() => server.Server.ConnectionCount == 0, "the connection to be forgotten");
        // A send after the close is refused.
        Assert.False(handler.Connection.Send(Protocol.Packets.PingRespPacket.Instance));
    }

    [Fact]
    public async Task An_orderly_close_reports_no_error()
    {
        await using TestServer server = await TestServer.StartAsync();
        await using RawClient client = await RawClient.ConnectAsync(server.EndPoint);
        await client.SendAsync(Packets.Connect311);
        Assert.Equal(Packets.ConnAck311, await client.ReadFrameAsync());
        TestHandler handler = server.Handlers.Single();
        client.Socket.Shutdown(System.Net.Sockets.SocketShutdown.Send);

        await handler.Closed.Task.WithTimeout("OnConnectionClosed");
        Assert.Null(handler.CloseError);
    }

    [Fact]
    public async Task A_refused_connection_is_closed_without_a_handler()
    {
        var handlers = new TestHandlerFactory { Accept = _ => false };
        await using TestServer server = await TestServer.StartAsync(handlers: handlers);
        await using RawClient client = await RawClient.ConnectAsync(server.EndPoint);
        await client.AssertClosedByServerAsync();
        Assert.Empty(handlers.Handlers);
    }
}
