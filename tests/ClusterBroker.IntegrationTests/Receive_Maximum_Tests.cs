using System.Net;
using System.Net.Sockets;
using ClusterBroker.Core;

namespace ClusterBroker.IntegrationTests;

/// <summary>
/// A 5.0 client exceeding the broker's Receive Maximum gets DISCONNECT 0x93 ([MQTT-3.3.4-9]) and can read it even while
/// it is still sending: the broker half-closes and discards input briefly instead of resetting the connection.
/// </summary>
public sealed class Receive_Maximum_Tests
{
    [Fact]
    public async Task A_client_still_sending_reads_DISCONNECT_0x93_and_an_orderly_end_of_stream_not_a_reset()
    {
        await using var own = await TestBroker.StartAsync(new BrokerOptions { ReceiveMaximum = 2 });
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        await socket.ConnectAsync(new IPEndPoint(IPAddress.Loopback, own.Port));
        await socket.SendAsync(RawPackets.Connect(5, Unique.ClientId()), SocketFlags.None);
        var received = new List<byte>();
        var buffer = new byte[4096];
        using (var connAck = new CancellationTokenSource(TestTimeouts.Default))
        {
            // the CONNACK first (before it, packets wait for the session and are bounded more tightly)
            while (received.Count < 2 || received.Count < 2 + received[1])
            {
                var n = await socket.ReceiveAsync(buffer, SocketFlags.None, connAck.Token);
                Assert.True(n > 0, "closed before CONNACK");
                received.AddRange(buffer.AsSpan(0, n));
            }
        }

        // Three QoS 2 PUBLISHes that are never released, then QoS 0 ones sent without pause until the reader is done:
        // the client is still sending when the broker gives up on it, as a real publisher would be.
        var start = new List<byte>();
        for (ushort id = 1; id <= 3; id++)
        {
            start.AddRange(RawPackets.Publish("rm/t", "x", qos: 2, packetId: id, v5: true));
        }

        var filler = Enumerable.Repeat(RawPackets.Publish("rm/t", new byte[1000], v5: true), 64).SelectMany(p => p).ToArray();
        using var readerDone = new CancellationTokenSource();
        var sending = Task.Run(async () =>
        {
            try
            {
                await socket.SendAsync(start.ToArray(), SocketFlags.None);
                using var bound = CancellationTokenSource.CreateLinkedTokenSource(readerDone.Token);
                bound.CancelAfter(TestTimeouts.Default);
                while (!bound.IsCancellationRequested)
                {
                    await socket.SendAsync(filler, SocketFlags.None, bound.Token);
                }

                return (Exception?)null;
            }
            catch (OperationCanceledException)
            {
                return null;
            }
            catch (SocketException e)
            {
                return e;
            }
        });

        SocketException? readError = null;
        using (var cts = new CancellationTokenSource(TestTimeouts.Default))
        {
            try
            {
                while (true)
                {
                    var n = await socket.ReceiveAsync(buffer, SocketFlags.None, cts.Token);
                    if (n == 0)
                    {
                        break; // the broker's FIN
                    }

                    received.AddRange(buffer.AsSpan(0, n));
                }
            }
            catch (SocketException e)
            {
                readError = e;
            }
        }

        readerDone.Cancel();
        Assert.Null(readError); // no reset while reading
        Assert.Null(await sending.WaitAsync(TestTimeouts.Default)); // no reset while writing: what came after was read and discarded
        var packets = Frames(received.ToArray());
        Assert.Equal(
            [(RawPacket.ConnAck, -1), (RawPacket.PubRec, -1), (RawPacket.PubRec, -1), (RawPacket.Disconnect, 0x93)],
            packets.Select(p => (p.Type, p.Type == RawPacket.Disconnect ? (int)p.DisconnectReason : -1)));
    }

    [Fact]
    public async Task The_MQTTnet_client_publishing_QoS_2_without_waiting_is_told_Receive_Maximum_exceeded()
    {
        await using var own = await TestBroker.StartAsync(new BrokerOptions { ReceiveMaximum = 1 });
        await using var client = await TestClient.ConnectAsync(own.Port);

        var publishes = Enumerable.Range(0, 50).Select(i => client.PublishAsync($"rm/{i}", "x", Q.Q2)).ToArray();
        var disconnected = await client.Disconnected.WaitAsync(TestTimeouts.Default);
        await Task.WhenAll(publishes).ContinueWith(static _ => { }, TaskScheduler.Default);

        Assert.Equal(MqttClientDisconnectReason.ReceiveMaximumExceeded, disconnected.Reason);
    }

    private static List<RawPacket> Frames(byte[] bytes)
    {
        var packets = new List<RawPacket>();
        int offset = 0;
        while (offset < bytes.Length)
        {
            int length = 0, shift = 0, index = offset + 1;
            byte b;
            do
            {
                b = bytes[index++];
                length |= (b & 0x7F) << shift;
                shift += 7;
            }
            while ((b & 0x80) != 0);
            packets.Add(new RawPacket(bytes[offset], bytes[index..(index + length)]));
            offset = index + length;
        }

        return packets;
    }

    [Fact]
    public async Task Two_unreleased_QoS_2_PUBLISHes_over_a_Receive_Maximum_of_1_get_PUBREC_then_DISCONNECT_0x93()
    {
        await using var own = await TestBroker.StartAsync(new BrokerOptions { ReceiveMaximum = 1 });
        await using var raw = await RawMqttConnection.ConnectAsync(own.Port, 5, Unique.ClientId());

        await raw.SendAsync([.. RawPackets.Publish("rm/a", "1", qos: 2, packetId: 1, v5: true), .. RawPackets.Publish("rm/a", "2", qos: 2, packetId: 2, v5: true)]);

        var before = await raw.WaitForCloseAsync();
        Assert.Equal(RawPacket.PubRec, before[0].Type);
        Assert.Equal((RawPacket.Disconnect, (byte)0x93), (before[^1].Type, before[^1].DisconnectReason));
    }
}
