using System.Text;

namespace ClusterBroker.IntegrationTests.Infrastructure;

/// <summary>
/// One MQTT control packet as read off the wire: the first byte and the bytes after the remaining
/// length. Decoding is done here by hand, so the tests do not depend on the broker's codec.
/// </summary>
public sealed record RawPacket(byte FirstByte, byte[] Body)
{
    public const int Connect = 1, ConnAck = 2, Publish = 3, PubAck = 4, PubRec = 5, PubRel = 6, PubComp = 7,
        Subscribe = 8, SubAck = 9, Unsubscribe = 10, UnsubAck = 11, PingReq = 12, PingResp = 13, Disconnect = 14, Auth = 15;

    public int Type => FirstByte >> 4;

    public int Flags => FirstByte & 0x0F;

    public override string ToString() => $"type {Type} flags {Flags:x} body [{Convert.ToHexString(Body)}]";

    // ---- CONNACK: [MQTT-3.2.2] byte 1 = session present flag, byte 2 = return/reason code, then v5 properties

    public bool ConnAckSessionPresent => (Body[0] & 0x01) != 0;

    public byte ConnAckCode => Body[1];

    public MqttProperties ConnAckProperties(bool v5) =>
        v5 && Body.Length > 2 ? MqttProperties.Read(Body, 2, out _) : MqttProperties.Empty;

    // ---- DISCONNECT (v5): reason code, 0x00 when the remaining length is 0 [MQTT-3.14.2.1]

    public byte DisconnectReason => Body.Length == 0 ? (byte)0x00 : Body[0];

    public MqttProperties DisconnectProperties => Body.Length > 1 ? MqttProperties.Read(Body, 1, out _) : MqttProperties.Empty;

    // ---- PUBLISH

    public int PublishQos => (FirstByte >> 1) & 0x03;

    public bool PublishRetain => (FirstByte & 0x01) != 0;

    public bool PublishDup => (FirstByte & 0x08) != 0;

    public DecodedPublish DecodePublish(bool v5)
    {
        var offset = 0;
        var topicLength = (Body[0] << 8) | Body[1];
        var topic = Encoding.UTF8.GetString(Body, 2, topicLength);
        offset = 2 + topicLength;
        ushort packetId = 0;
        if (PublishQos > 0)
        {
            packetId = (ushort)((Body[offset] << 8) | Body[offset + 1]);
            offset += 2;
        }
        var properties = MqttProperties.Empty;
        if (v5)
        {
            properties = MqttProperties.Read(Body, offset, out var end);
            offset = end;
        }
        return new DecodedPublish(topic, packetId, PublishQos, PublishRetain, PublishDup, Body[offset..], properties);
    }

    // ---- PUBACK/PUBREC/PUBREL/PUBCOMP/UNSUBACK/SUBACK: packet identifier first

    public ushort PacketId => (ushort)((Body[0] << 8) | Body[1]);

    /// <summary>Reason code of PUBACK/PUBREC/PUBREL/PUBCOMP (v5): 0x00 when omitted [MQTT-3.4.2.1].</summary>
    public byte AckReason => Body.Length > 2 ? Body[2] : (byte)0x00;

    /// <summary>SUBACK/UNSUBACK reason codes (v5 skips the properties; 3.1.1 has none).</summary>
    public byte[] AckReasonCodes(bool v5)
    {
        var offset = 2;
        if (v5)
        {
            MqttProperties.Read(Body, offset, out offset);
        }
        return Body[offset..];
    }
}

public sealed record DecodedPublish(string Topic, ushort PacketId, int Qos, bool Retain, bool Dup, byte[] Payload, MqttProperties Properties)
{
    public string PayloadText => Encoding.UTF8.GetString(Payload);
}
