using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using ClusterBroker.Cluster.Links;
using ClusterBroker.Cluster.Messages;
using ClusterBroker.Cluster.Serialization;
using ClusterBroker.Core.Connections;
using ClusterBroker.Core.Messages;
using ClusterBroker.Protocol;
using Microsoft.Extensions.Logging.Abstractions;

namespace ClusterBroker.Cluster.Tests;

/// <summary>
/// A forward link writer on a real loopback connection: forwards given during a read turn leave together when it ends,
/// as one batch frame in the order given; outside a turn each leaves at once.
/// </summary>
public sealed class ForwardLinkWriter_Turn_Tests : Akka.TestKit.Xunit2.TestKit
{
    private static readonly TimeSpan ReadTimeout = TimeSpan.FromSeconds(10);

    public ForwardLinkWriter_Turn_Tests()
        : base(ClusterTestConfig.Serialization, "forward-link-writer-turn-tests")
    {
    }

    [Fact]
    public async Task Forwards_given_during_a_read_turn_leave_in_one_batch_when_it_ends()
    {
        using Link link = await ConnectedWriterAsync();
        (ForwardLinkWriter writer, Socket receiver, ClusterMetrics metrics) = link;
        ReadTurn.Begin(() => { });
        try
        {
            for (ulong id = 1; id <= 5; id++)
            {
                writer.Forward(Message(id));
            }

            Assert.Equal(0, metrics.ForwardBatchesSent); // nothing written while the turn lasts
        }
        finally
        {
            ReadTurn.End();
        }

        ForwardBatch batch = await ReadBatchAsync(receiver);
        Assert.Equal([1UL, 2UL, 3UL, 4UL, 5UL], batch.Messages.Select(f => f.Message.Id));
        Assert.Equal(1, metrics.ForwardBatchesSent);
    }

    [Fact]
    public async Task Outside_a_read_turn_a_forward_leaves_at_once()
    {
        using Link link = await ConnectedWriterAsync();
        (ForwardLinkWriter writer, Socket receiver, ClusterMetrics metrics) = link;
        writer.Forward(Message(7));

        ForwardBatch batch = await ReadBatchAsync(receiver);
        Assert.Equal([7UL], batch.Messages.Select(f => f.Message.Id));
        Assert.Equal(1, metrics.ForwardBatchesSent);
    }

    [Fact]
    public async Task A_marker_given_from_another_thread_during_a_turn_takes_the_waiting_forwards_with_it_in_order()
    {
        using Link link = await ConnectedWriterAsync();
        (ForwardLinkWriter writer, Socket receiver, _) = link;
        // No await while the turn is open: a turn belongs to its thread, and the test must end it on the same one.
        ReadTurn.Begin(() => { });
        try
        {
            writer.Forward(Message(1));
            writer.Forward(Message(2));
            // The owner's thread is in no turn: its marker is written at once, behind what waits.
            var owner = new Thread(() => writer.Mark(new ForwardMarker(42)));
            owner.Start();
            Assert.True(owner.Join(ReadTimeout));

            receiver.ReceiveTimeout = (int)ReadTimeout.TotalMilliseconds;
            (byte kind, byte[] body) = ReadFrame(receiver);
            Assert.Equal(ForwardLinkProtocol.BatchFrame, kind);
            Assert.Equal([1UL, 2UL], Batch(body).Messages.Select(f => f.Message.Id));
            Assert.Equal(ForwardLinkProtocol.MarkerFrame, ReadFrame(receiver).Kind);
        }
        finally
        {
            ReadTurn.End(); // nothing left to write
        }

        writer.Forward(Message(3));
        Assert.Equal([3UL], (await ReadBatchAsync(receiver)).Messages.Select(f => f.Message.Id));
    }

    /// <summary>A writer attached to one end of a loopback connection, and the other end; both closed on dispose, even when a test fails.</summary>
    private sealed record Link(ForwardLinkWriter Writer, Socket Receiver, ClusterMetrics Metrics) : IDisposable
    {
        public void Dispose()
        {
            Writer.Close();
            Receiver.Dispose();
        }
    }

    private async Task<Link> ConnectedWriterAsync()
    {
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen(1);
        var sender = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        Task<Socket> accepted = listener.AcceptAsync();
        await sender.ConnectAsync(listener.LocalEndPoint!);
        Socket receiver = await accepted;

        var serializer = (ClusterBrokerSerializer)Sys.Serialization.FindSerializerForType(typeof(ForwardBatch));
        var metrics = new ClusterMetrics();
        var writer = new ForwardLinkWriter("akka.tcp://cluster-broker@127.0.0.1:1#1", serializer, metrics, NullLogger.Instance,
            viaRemoting: false, crashReplayWindow: TimeSpan.Zero);
        writer.Attach(sender);
        return new Link(writer, receiver, metrics);
    }

    private async Task<ForwardBatch> ReadBatchAsync(Socket receiver)
    {
        (byte kind, byte[] body) = await ReadFrameAsync(receiver);
        Assert.Equal(ForwardLinkProtocol.BatchFrame, kind);
        return Batch(body);
    }

    private ForwardBatch Batch(byte[] body)
    {
        var serializer = (ClusterBrokerSerializer)Sys.Serialization.FindSerializerForType(typeof(ForwardBatch));
        return (ForwardBatch)serializer.FromBinary(body, ClusterBrokerSerializer.ForwardManifest);
    }

    /// <summary>One frame, read blocking (within the socket's receive timeout).</summary>
    private static (byte Kind, byte[] Body) ReadFrame(Socket receiver)
    {
        byte[] header = new byte[ForwardLinkProtocol.FrameHeader];
        ReadExactly(receiver, header);
        byte[] body = new byte[BinaryPrimitives.ReadInt32BigEndian(header) - 1];
        ReadExactly(receiver, body);
        return (header[4], body);
    }

    private static void ReadExactly(Socket socket, byte[] buffer)
    {
        for (int read = 0; read < buffer.Length;)
        {
            int n = socket.Receive(buffer, read, buffer.Length - read, SocketFlags.None);
            Assert.True(n > 0, "the writer closed the link");
            read += n;
        }
    }

    /// <summary>One frame: a 4-byte length, then its kind and body (<see cref="ForwardLinkProtocol"/>).</summary>
    private static async Task<(byte Kind, byte[] Body)> ReadFrameAsync(Socket receiver)
    {
        using var timeout = new CancellationTokenSource(ReadTimeout);
        byte[] header = new byte[ForwardLinkProtocol.FrameHeader];
        await ReadExactlyAsync(receiver, header, timeout.Token);
        int length = BinaryPrimitives.ReadInt32BigEndian(header);
        byte[] body = new byte[length - 1];
        await ReadExactlyAsync(receiver, body, timeout.Token);
        return (header[4], body);
    }

    private static async Task ReadExactlyAsync(Socket socket, byte[] buffer, CancellationToken cancel)
    {
        for (int read = 0; read < buffer.Length;)
        {
            int n = await socket.ReceiveAsync(buffer.AsMemory(read), SocketFlags.None, cancel);
            Assert.True(n > 0, "the writer closed the link");
            read += n;
        }
    }

    private static ForwardedMessage Message(ulong id) =>
        new(new BrokerMessage { Id = id, Topic = "t/" + id, Payload = new byte[] { 1 }, QoS = QualityOfService.AtLeastOnce }, Plain: true, Groups: null);
}
