namespace ClusterBroker.IntegrationTests.Infrastructure;

/// <summary>
/// Reads QoS 1/2 PUBLISHes on a raw subscriber that withholds its acknowledgements, counting the
/// messages outstanding (QoS 1 until PUBACK, QoS 2 until PUBCOMP). Whenever the window is full it
/// gives the broker a PINGREQ round trip to (wrongly) send more, then releases the oldest one.
/// Fails as soon as more than <c>window</c> messages are outstanding.
/// </summary>
public static class InflightWindowProbe
{
    /// <summary>Returns the payloads in arrival order and the largest number outstanding at once.</summary>
    public static async Task<(List<string> Payloads, int MaxOutstanding)> RunAsync(RawMqttConnection subscriber, bool v5, int qos, int window, int total)
    {
        var outstanding = new List<ushort>();
        var received = new List<string>();
        var maxOutstanding = 0;
        while (received.Count < total)
        {
            var packet = await subscriber.ReceiveAsync();
            if (packet.Type != RawPacket.Publish)
            {
                throw new Xunit.Sdk.XunitException($"unexpected {packet}");
            }
            var publish = packet.DecodePublish(v5);
            Assert.Equal(qos, publish.Qos);
            outstanding.Add(publish.PacketId);
            received.Add(publish.PayloadText);
            maxOutstanding = Math.Max(maxOutstanding, outstanding.Count);
            Assert.True(outstanding.Count <= window, $"{outstanding.Count} unacknowledged QoS {qos} messages outstanding, the window is {window}");

            if (outstanding.Count == window)
            {
                await subscriber.SendAsync(RawPackets.PingReq());
                var next = await subscriber.ReceiveAsync();
                if (next.Type == RawPacket.Publish)
                {
                    throw new Xunit.Sdk.XunitException($"a PUBLISH beyond the window of {window} arrived");
                }
                Assert.Equal(RawPacket.PingResp, next.Type);
                await ReleaseAsync(subscriber, qos, outstanding[0]);
                outstanding.RemoveAt(0);
            }
        }
        foreach (var id in outstanding)
        {
            await ReleaseAsync(subscriber, qos, id);
        }
        return (received, maxOutstanding);
    }

    private static async Task ReleaseAsync(RawMqttConnection subscriber, int qos, ushort id)
    {
        if (qos == 1)
        {
            await subscriber.SendAsync(RawPackets.PubAck(id));
            return;
        }
        // still outstanding after PUBREC: the next packet must be its PUBREL, not a new PUBLISH
        await subscriber.SendAsync(RawPackets.PubRec(id));
        var pubRel = await subscriber.ExpectAsync(RawPacket.PubRel);
        Assert.Equal(id, pubRel.PacketId);
        await subscriber.SendAsync(RawPackets.PubComp(id));
    }
}
