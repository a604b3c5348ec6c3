using ClusterBroker.Protocol.Packets;

namespace ClusterBroker.Transport.Tests;

public class Framing_Tests
{
    [Fact]
    public async Task A_connect_is_answered_and_pings_are_echoed()
    {
        await using TestServer server = await TestServer.StartAsync();
        await using RawClient client = await RawClient.ConnectAsync(server.EndPoint);

        await client.SendAsync(Packets.Connect311);
        Assert.Equal(Packets.ConnAck311, await client.ReadFrameAsync());
        await client.SendAsync(Packets.PingReq);
        Assert.Equal(Packets.PingResp, await client.ReadFrameAsync());
    }

    [Fact]
    public async Task Packets_sent_one_byte_at_a_time_are_decoded()
    {
        await using TestServer server = await TestServer.StartAsync();
        await using RawClient client = await RawClient.ConnectAsync(server.EndPoint);

        byte[] stream = Packets.Concat(Packets.Connect311, Packets.Publish311("a/b", "hello"), Packets.PingReq);
        foreach (byte b in stream)
            await client.SendAsync(b);

        Assert.Equal(Packets.ConnAck311, await client.ReadFrameAsync());
        Assert.Equal(Packets.Publish311("a/b", "hello"), await client.ReadFrameAsync());
        Assert.Equal(Packets.PingResp, await client.ReadFrameAsync());
        TestHandler handler = server.Handlers.Single();
        Assert.Collection(handler.Packets,
            p => Assert.IsType<ConnectPacket>(p),
            p => Assert.Equal("hello", System.Text.Encoding.UTF8.GetString(Assert.IsType<PublishPacket>(p).Payload.Span)),
            p => Assert.IsType<PingReqPacket>(p));
    }

    [Fact]
    public async Task Many_packets_in_one_segment_are_all_decoded_and_answered_in_order()
    {
        await using TestServer server = await TestServer.StartAsync();
        await using RawClient client = await RawClient.ConnectAsync(server.EndPoint);

        var parts = new List<byte[]> { Packets.Connect311 };
        for (int i = 0; i < 100; i++)
            parts.Add(Packets.Publish311("t", $"m{i}"));
        await client.SendAsync(Packets.Concat([.. parts]));

        Assert.Equal(Packets.ConnAck311, await client.ReadFrameAsync());
        for (int i = 0; i < 100; i++)
            Assert.Equal(Packets.Publish311("t", $"m{i}"), await client.ReadFrameAsync());
    }

    [Fact]
    public async Task A_large_publish_split_across_many_reads_is_reassembled()
    {
        await using TestServer server = await TestServer.StartAsync();
        await using RawClient client = await RawClient.ConnectAsync(server.EndPoint);
        await client.SendAsync(Packets.Connect311);
        Assert.Equal(Packets.ConnAck311, await client.ReadFrameAsync());

        // 200,000-byte payload: remaining length 200,003 = 3-byte variable integer.
        var payload = new byte[200_000];
        new Random(42).NextBytes(payload);
        int remaining = 2 + 1 + payload.Length;
        byte[] frame = Packets.Concat(
            [0x30, (byte)(remaining & 0x7F | 0x80), (byte)((remaining >> 7) & 0x7F | 0x80), (byte)(remaining >> 14), 0x00, 0x01, (byte)'t'],
            payload);
        for (int offset = 0; offset < frame.Length; offset += 7919)
            await client.SendAsync(frame.AsSpan(offset, Math.Min(7919, frame.Length - offset)).ToArray());

        byte[] echoed = await client.ReadFrameAsync();
        Assert.Equal(frame, echoed);
    }
}
