using System.Text;

namespace ClusterBroker.IntegrationTests.Infrastructure;

/// <summary>
/// Hand-built MQTT packets (exact bytes), independent of the broker's codec. Used to send what a
/// well-behaved client library would never send (malformed input, duplicates, delayed acks).
/// </summary>
public static class RawPackets
{
    // ---------- primitives

    public static byte[] U16(int value) => [(byte)(value >> 8), (byte)value];

    public static byte[] U32(uint value) => [(byte)(value >> 24), (byte)(value >> 16), (byte)(value >> 8), (byte)value];

    public static byte[] Utf8(string s)
    {
        var bytes = Encoding.UTF8.GetBytes(s);
        return [.. U16(bytes.Length), .. bytes];
    }

    public static byte[] Binary(byte[] data) => [.. U16(data.Length), .. data];

    public static byte[] VarInt(int value)
    {
        var result = new List<byte>(4);
        do
        {
            var b = (byte)(value % 128);
            value /= 128;
            if (value > 0)
            {
                b |= 0x80;
            }
            result.Add(b);
        }
        while (value > 0);
        return [.. result];
    }

    /// <summary>Fixed header (first byte + remaining length) followed by the parts.</summary>
    public static byte[] Packet(byte firstByte, params byte[][] parts)
    {
        var body = parts.SelectMany(p => p).ToArray();
        return [firstByte, .. VarInt(body.Length), .. body];
    }

    /// <summary>A v5 property block: length (variable byte integer) + properties.</summary>
    public static byte[] Properties(params byte[][] properties)
    {
        var body = properties.SelectMany(p => p).ToArray();
        return [.. VarInt(body.Length), .. body];
    }

    public static byte[] ByteProperty(byte id, byte value) => [id, value];

    public static byte[] U16Property(byte id, int value) => [id, .. U16(value)];

    public static byte[] U32Property(byte id, uint value) => [id, .. U32(value)];

    public static byte[] StringProperty(byte id, string value) => [id, .. Utf8(value)];

    public static byte[] UserProperty(string name, string value) => [MqttProperties.UserProperty, .. Utf8(name), .. Utf8(value)];

    // ---------- packets

    /// <summary>
    /// CONNECT [MQTT-3.1]. level 3 = 3.1 ("MQIsdp"), 4 = 3.1.1, 5 = 5.0. properties: v5 property block
    /// contents (without length); null means an empty block on v5.
    /// </summary>
    public static byte[] Connect(
        int level,
        string clientId,
        bool clean = true,
        int keepAlive = 60,
        byte[][]? properties = null,
        string? willTopic = null,
        string? willPayload = null,
        int willQos = 0,
        bool willRetain = false,
        byte[][]? willProperties = null,
        string? userName = null,
        string? password = null)
    {
        byte flags = 0;
        if (clean)
        {
            flags |= 0x02;
        }
        if (willTopic is not null)
        {
            flags |= (byte)(0x04 | (willQos << 3) | (willRetain ? 0x20 : 0));
        }
        if (password is not null)
        {
            flags |= 0x40;
        }
        if (userName is not null)
        {
            flags |= 0x80;
        }
        var header = level == 3 ? Utf8("MQIsdp") : Utf8("MQTT");
        var parts = new List<byte[]> { header, new[] { (byte)level, flags }, U16(keepAlive) };
        if (level == 5)
        {
            parts.Add(Properties(properties ?? []));
        }
        parts.Add(Utf8(clientId));
        if (willTopic is not null)
        {
            if (level == 5)
            {
                parts.Add(Properties(willProperties ?? []));
            }
            parts.Add(Utf8(willTopic));
            parts.Add(Binary(Encoding.UTF8.GetBytes(willPayload ?? "")));
        }
        if (userName is not null)
        {
            parts.Add(Utf8(userName));
        }
        if (password is not null)
        {
            parts.Add(Binary(Encoding.UTF8.GetBytes(password)));
        }
        return Packet(0x10, [.. parts]);
    }

    public static byte[] Publish(
        string topic,
        string payload,
        int qos = 0,
        ushort packetId = 0,
        bool retain = false,
        bool dup = false,
        bool v5 = false,
        byte[][]? properties = null) =>
        Publish(topic, Encoding.UTF8.GetBytes(payload), qos, packetId, retain, dup, v5, properties);

    public static byte[] Publish(
        string topic,
        byte[] payload,
        int qos = 0,
        ushort packetId = 0,
        bool retain = false,
        bool dup = false,
        bool v5 = false,
        byte[][]? properties = null)
    {
        var first = (byte)(0x30 | (dup ? 0x08 : 0) | (qos << 1) | (retain ? 0x01 : 0));
        var parts = new List<byte[]> { Utf8(topic) };
        if (qos > 0)
        {
            parts.Add(U16(packetId));
        }
        if (v5)
        {
            parts.Add(Properties(properties ?? []));
        }
        parts.Add(payload);
        return Packet(first, [.. parts]);
    }

    /// <summary>SUBSCRIBE [MQTT-3.8]; options byte: bits 0-1 QoS, bit 2 No Local, bit 3 Retain As Published, bits 4-5 Retain Handling.</summary>
    public static byte[] Subscribe(ushort packetId, bool v5, params (string Filter, byte Options)[] filters) =>
        Subscribe(packetId, v5, null, filters);

    public static byte[] Subscribe(ushort packetId, bool v5, byte[][]? properties, params (string Filter, byte Options)[] filters)
    {
        var parts = new List<byte[]> { U16(packetId) };
        if (v5)
        {
            parts.Add(Properties(properties ?? []));
        }
        foreach (var (filter, options) in filters)
        {
            parts.Add(Utf8(filter));
            parts.Add([options]);
        }
        return Packet(0x82, [.. parts]);
    }

    public static byte[] Unsubscribe(ushort packetId, bool v5, params string[] filters)
    {
        var parts = new List<byte[]> { U16(packetId) };
        if (v5)
        {
            parts.Add(Properties());
        }
        parts.AddRange(filters.Select(Utf8));
        return Packet(0xA2, [.. parts]);
    }

    public static byte[] PubAck(ushort packetId) => Packet(0x40, U16(packetId));

    public static byte[] PubRec(ushort packetId) => Packet(0x50, U16(packetId));

    public static byte[] PubRel(ushort packetId) => Packet(0x62, U16(packetId));

    public static byte[] PubComp(ushort packetId) => Packet(0x70, U16(packetId));

    public static byte[] PingReq() => [0xC0, 0x00];

    /// <summary>DISCONNECT; v5 with a reason code (and optional properties), 3.1.1 without.</summary>
    public static byte[] Disconnect(byte? reason = null, byte[][]? properties = null) =>
        reason is null ? [0xE0, 0x00] : Packet(0xE0, [reason.Value], Properties(properties ?? []));
}
