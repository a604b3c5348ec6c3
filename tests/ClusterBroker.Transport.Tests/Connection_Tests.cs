using System.Text;
using ClusterBroker.Protocol;
using ClusterBroker.Protocol.Packets;

namespace ClusterBroker.Transport.Tests;

/// <summary>IClientConnection semantics: the serial executor, scheduling, sends from anywhere, limits.</summary>
public class Connection_Tests
{
    private static async Task<(TestServer, RawClient, TestHandler)> ConnectedAsync(byte[]? connect = null)
    {
        TestServer server = await TestServer.StartAsync();
        RawClient client = await RawClient.ConnectAsync(server.EndPoint);
        await client.SendAsync(connect ?? Packets.Connect311);
        await client.ReadFrameAsync();
        return (server, client, server.Handlers.Single());
    }

    [Fact]
    public async Task Execute_runs_on_the_thread_that_delivers_packets_and_never_concurrently()
    {
        (TestServer server, RawClient client, TestHandler handler) = await ConnectedAsync();
        await using (server)
        await using (client)
        {
            int executorThread = handler.ExecutorThread!.Value;
            var threads = new System.Collections.Concurrent.ConcurrentBag<int>();
            int running = 0, overlaps = 0, done = 0;
            Parallel.For(0, 1000, _ => handler.Connection.Execute(() =>
            {
                if (Interlocked.Increment(ref running) != 1)
                    Interlocked.Increment(ref overlaps);
                threads.Add(Environment.CurrentManagedThreadId);
                Interlocked.Decrement(ref running);
                Interlocked.Increment(ref done);
            }));
            await Eventually.TrueAsync(() => Volatile.Read(ref done) == 1000, "every action to run");
            Assert.Equal(0, overlaps);
            Assert.All(threads, t => Assert.Equal(executorThread, t));
            Assert.Equal(0, handler.ConcurrentCalls);
        }
    }

    [Fact]
    public async Task Actions_run_in_the_order_they_were_executed()
    {
        (TestServer server, RawClient client, TestHandler handler) = await ConnectedAsync();
        await using (server)
        await using (client)
        {
            var order = new List<int>();
            for (int i = 0; i < 500; i++)
            {
                int n = i;
                handler.Connection.Execute(() => order.Add(n));
            }
            var all = new TaskCompletionSource();
            handler.Connection.Execute(all.SetResult);
            await all.Task.WithTimeout("the last action");
            Assert.Equal(Enumerable.Range(0, 500), order);
        }
    }

    [Fact]
    public async Task A_send_from_another_thread_is_flushed_promptly()
    {
        (TestServer server, RawClient client, TestHandler handler) = await ConnectedAsync();
        await using (server)
        await using (client)
        {
            await Task.Run(() => Assert.True(handler.Connection.Send(PingRespPacket.Instance)));
            Assert.Equal(Packets.PingResp, await client.ReadFrameAsync());

            // And from an executed action.
            handler.Connection.Execute(() => handler.Connection.Send(new PublishPacket { Topic = "x", Payload = "y"u8.ToArray() }));
            Assert.Equal(Packets.Publish311("x", "y"), await client.ReadFrameAsync());
        }
    }

    [Fact]
    public async Task A_scheduled_action_runs_after_its_delay_on_the_executor()
    {
        (TestServer server, RawClient client, TestHandler handler) = await ConnectedAsync();
        await using (server)
        await using (client)
        {
            var ran = new TaskCompletionSource<(int Thread, DateTime At)>();
            DateTime scheduledAt = DateTime.UtcNow;
            using IDisposable _ = handler.Connection.Schedule(TimeSpan.FromMilliseconds(200),
                () => ran.SetResult((Environment.CurrentManagedThreadId, DateTime.UtcNow)));
            (int thread, DateTime at) = await ran.Task.WithTimeout("the scheduled action");
            Assert.Equal(handler.ExecutorThread, thread);
            Assert.True(at - scheduledAt >= TimeSpan.FromMilliseconds(150), $"ran after {(at - scheduledAt).TotalMilliseconds} ms");
        }
    }

    [Fact]
    public async Task A_disposed_schedule_does_not_run()
    {
        (TestServer server, RawClient client, TestHandler handler) = await ConnectedAsync();
        await using (server)
        await using (client)
        {
            bool cancelledRan = false;
            IDisposable cancelled = handler.Connection.Schedule(TimeSpan.FromMilliseconds(100), () => cancelledRan = true);
            cancelled.Dispose();
            var later = new TaskCompletionSource();
            handler.Connection.Schedule(TimeSpan.FromMilliseconds(300), later.SetResult);
            await later.Task.WithTimeout("the later action");
            var barrier = new TaskCompletionSource();
            handler.Connection.Execute(barrier.SetResult);
            await barrier.Task.WithTimeout("the barrier");
            Assert.False(cancelledRan);
        }
    }

    [Fact]
    public async Task Send_returns_false_above_the_clients_maximum_packet_size()
    {
        (TestServer server, RawClient client, TestHandler handler) = await ConnectedAsync(Packets.Connect5(64));
        await using (server)
        await using (client)
        {
            var tooLarge = new PublishPacket { Topic = "t", Payload = new byte[100] };
            var fits = new PublishPacket { Topic = "t", Payload = Encoding.UTF8.GetBytes("ok") };
            bool tooLargeSent = true, fitsSent = false;
            var done = new TaskCompletionSource();
            handler.Connection.Execute(() =>
            {
                tooLargeSent = handler.Connection.Send(tooLarge);
                fitsSent = handler.Connection.Send(fits);
                done.SetResult();
            });
            await done.Task.WithTimeout("the sends");
            Assert.False(tooLargeSent);
            Assert.True(fitsSent);
            byte[] frame = await client.ReadFrameAsync();
            Assert.Equal(0x30, frame[0]);
            Assert.Equal("ok"u8.ToArray(), frame[^2..]);

            // Exactly at the limit is allowed.
            int size = Protocol.Codec.MqttPacketEncoder.GetEncodedSize(fits, ProtocolVersion.V500);
            Assert.True(handler.Connection.Send(fits with { Payload = new byte[64 - size + 2] }));
            Assert.Equal(64, (await client.ReadFrameAsync()).Length);
        }
    }

    [Fact]
    public async Task Packets_sent_in_one_turn_arrive_whole_and_in_order_across_large_payloads_and_the_write_threshold()
    {
        (TestServer server, RawClient client, TestHandler handler) = await ConnectedAsync();
        await using (server)
        await using (client)
        {
            // Small packets are encoded into one buffer; a 10 KB payload goes out uncopied between them, and
            // 1,500 more small ones pass the 64 KiB point at which the buffer is written without waiting for the flush.
            byte[] large = Enumerable.Range(0, 10_000).Select(i => (byte)i).ToArray();
            handler.Connection.Execute(() =>
            {
                handler.Connection.Send(new PublishPacket { Topic = "a", Payload = "first"u8.ToArray() });
                handler.Connection.Send(new PublishPacket { Topic = "big", Payload = large });
                for (int i = 0; i < 1500; i++)
                {
                    handler.Connection.Send(new PublishPacket { Topic = "n", Payload = Encoding.UTF8.GetBytes(i.ToString("D40")) });
                }
            });

            Assert.Equal(Packets.Publish311("a", "first"), await client.ReadFrameAsync());
            byte[] bigFrame = await client.ReadFrameAsync();
            Assert.Equal(large, bigFrame[^large.Length..]);
            Assert.Equal(0x30, bigFrame[0]);
            for (int i = 0; i < 1500; i++)
            {
                Assert.Equal(Packets.Publish311("n", i.ToString("D40")), await client.ReadFrameAsync());
            }
        }
    }

    [Fact]
    public async Task Close_flushes_what_was_sent_before_it()
    {
        (TestServer server, RawClient client, TestHandler handler) = await ConnectedAsync(Packets.Connect5(1024));
        await using (server)
        await using (client)
        {
            handler.Connection.Execute(() =>
            {
                handler.Connection.Send(new DisconnectPacket { ReasonCode = ReasonCode.ServerShuttingDown });
                handler.Connection.Close();
            });
            byte[] frame = await client.ReadFrameAsync();
            Assert.Equal(0xE0, frame[0]);
            Assert.Equal((byte)ReasonCode.ServerShuttingDown, frame[2]);
            await client.AssertClosedByServerAsync();
            await handler.Closed.Task.WithTimeout("OnConnectionClosed");
            Assert.False(handler.Connection.Send(PingRespPacket.Instance));
        }
    }

    [Fact]
    public async Task The_remote_end_point_reads_as_an_IPv4_address_and_port()
    {
        (TestServer server, RawClient client, TestHandler handler) = await ConnectedAsync();
        await using (server)
        await using (client)
            Assert.Equal(client.Socket.LocalEndPoint!.ToString(), handler.Connection.RemoteEndPoint);
    }
}
