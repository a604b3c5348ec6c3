using System.Text;

namespace ClusterBroker.Transport.Tests;

/// <summary>Raw bytes of the few packets transport tests need, written out by hand.</summary>
internal static class Packets
{
    /// <summary>CONNECT 3.1.1, clean session, keep alive 60, client id "a".</summary>
    public static readonly byte[] Connect311 =
        [0x10, 0x0D, 0x00, 0x04, (byte)'M', (byte)'Q', (byte)'T', (byte)'T', 0x04, 0x02, 0x00, 0x3C, 0x00, 0x01, (byte)'a'];

    public static readonly byte[] ConnAck311 = [0x20, 0x02, 0x00, 0x00];

    public static readonly byte[] PingReq = [0xC0, 0x00];

    public static readonly byte[] PingResp = [0xD0, 0x00];

    /// <summary>CONNECT 5.0, clean start, keep alive 60, client id "a", Maximum Packet Size property.</summary>
    public static byte[] Connect5(uint maximumPacketSize) =>
    [
        0x10, 19, 0x00, 0x04, (byte)'M', (byte)'Q', (byte)'T', (byte)'T', 0x05, 0x02, 0x00, 0x3C,
        0x05, 0x27, (byte)(maximumPacketSize >> 24), (byte)(maximumPacketSize >> 16), (byte)(maximumPacketSize >> 8), (byte)maximumPacketSize,
        0x00, 0x01, (byte)'a',
    ];

    /// <summary>PUBLISH QoS 0 in 3.1.1 (remaining length below 128).</summary>
    public static byte[] Publish311(string topic, string payload)
    {
        byte[] t = Encoding.UTF8.GetBytes(topic);
        byte[] p = Encoding.UTF8.GetBytes(payload);
        int remaining = 2 + t.Length + p.Length;
        if (remaining > 127)
            throw new ArgumentException("keep it short");
        var frame = new List<byte> { 0x30, (byte)remaining, (byte)(t.Length >> 8), (byte)t.Length };
        frame.AddRange(t);
        frame.AddRange(p);
        return [.. frame];
    }

    public static byte[] Concat(params byte[][] parts) => parts.SelectMany(p => p).ToArray();
}
