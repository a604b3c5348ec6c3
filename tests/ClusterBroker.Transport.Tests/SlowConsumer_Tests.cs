using ClusterBroker.Protocol;
using ClusterBroker.Protocol.Packets;

namespace ClusterBroker.Transport.Tests;

public class SlowConsumer_Tests
{
    [Fact]
    public async Task QoS0_messages_for_a_client_that_does_not_read_are_dropped_above_the_pending_limit()
    {
        await using TestServer server = await TestServer.StartAsync(o => o.MaximumPendingOutgoingBytes = 64 * 1024);
        await using RawClient client = await RawClient.ConnectAsync(server.EndPoint);
        client.Socket.ReceiveBufferSize = 4096;
        await client.SendAsync(Packets.Connect311);
        Assert.Equal(Packets.ConnAck311, await client.ReadFrameAsync());
        TestHandler handler = server.Handlers.Single();

        var payload = new byte[1024];
        var qos1Accepted = 0;
        var done = new TaskCompletionSource();
        handler.Connection.Execute(() =>
        {
            for (int i = 0; i < 20_000; i++)
                handler.Connection.Send(new PublishPacket { Topic = "t", Payload = payload });
            // QoS 1 is never dropped by the transport (flow control is the protocol side's job).
            if (handler.Connection.Send(new PublishPacket { Topic = "t", Payload = payload, QoS = QualityOfService.AtLeastOnce, PacketId = 1 }))
                qos1Accepted++;
            done.SetResult();
        });
        await done.Task.WithTimeout("the sends");
        Assert.True(server.Server.DroppedQoS0Messages > 0, "nothing was dropped");
        Assert.True(server.Server.DroppedQoS0Messages < 20_000, "everything was dropped");
        Assert.Equal(1, qos1Accepted);

        // The client catches up: what was queued arrives, ending with the QoS 1 message.
        byte[] frame;
        int received = 0;
        do
        {
            frame = await client.ReadFrameAsync();
            received++;
        }
        while ((frame[0] & 0x06) == 0);
        Assert.Equal(20_000 - server.Server.DroppedQoS0Messages, received - 1);
    }

    [Fact]
    public async Task A_connection_outliving_its_server_refuses_work_without_throwing()
    {
        TestServer server = await TestServer.StartAsync();
        await using RawClient client = await RawClient.ConnectAsync(server.EndPoint);
        await client.SendAsync(Packets.Connect311);
        await client.ReadFrameAsync();
        TestHandler handler = server.Handlers.Single();
        await server.DisposeAsync();

        handler.Connection.Execute(() => { });
        using IDisposable scheduled = handler.Connection.Schedule(TimeSpan.FromSeconds(1), () => { });
        Assert.False(handler.Connection.Send(PingRespPacket.Instance));
        handler.Connection.Close();
        Assert.Equal(1, handler.ClosedCount);
    }
}
