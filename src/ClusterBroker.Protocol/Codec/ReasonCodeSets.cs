namespace ClusterBroker.Protocol.Codec;

/// <summary>The MQTT 5.0 reason codes each packet may carry (3.2.2.2, 3.4.2.1 ... 3.15.2.1).</summary>
internal static class ReasonCodeSets
{
    private static readonly bool[] s_connAck = Build(0x00, 0x80, 0x81, 0x82, 0x83, 0x84, 0x85, 0x86, 0x87, 0x88, 0x89, 0x8A, 0x8C, 0x90, 0x95, 0x97, 0x99, 0x9A, 0x9B, 0x9C, 0x9D, 0x9F);
    private static readonly bool[] s_pubAck = Build(0x00, 0x10, 0x80, 0x83, 0x87, 0x90, 0x91, 0x97, 0x99);
    private static readonly bool[] s_pubRel = Build(0x00, 0x92);
    private static readonly bool[] s_subAck = Build(0x00, 0x01, 0x02, 0x80, 0x83, 0x87, 0x8F, 0x91, 0x97, 0x9E, 0xA1, 0xA2);
    private static readonly bool[] s_unsubAck = Build(0x00, 0x11, 0x80, 0x83, 0x87, 0x8F, 0x91);
    private static readonly bool[] s_disconnect = Build(0x00, 0x04, 0x80, 0x81, 0x82, 0x83, 0x87, 0x89, 0x8B, 0x8D, 0x8E, 0x8F, 0x90, 0x93, 0x94, 0x95, 0x96, 0x97, 0x98, 0x99, 0x9A, 0x9B, 0x9C, 0x9D, 0x9E, 0x9F, 0xA0, 0xA1, 0xA2);
    private static readonly bool[] s_auth = Build(0x00, 0x18, 0x19);

    public static bool IsValidConnAck(byte code) => s_connAck[code];

    /// <summary>PUBACK and PUBREC share their reason codes; PUBREL and PUBCOMP share theirs.</summary>
    public static bool IsValidFor(PacketType type, byte code) => type switch
    {
        PacketType.ConnAck => s_connAck[code],
        PacketType.PubAck or PacketType.PubRec => s_pubAck[code],
        PacketType.PubRel or PacketType.PubComp => s_pubRel[code],
        PacketType.SubAck => s_subAck[code],
        PacketType.UnsubAck => s_unsubAck[code],
        PacketType.Disconnect => s_disconnect[code],
        PacketType.Auth => s_auth[code],
        _ => false,
    };

    private static bool[] Build(params ReadOnlySpan<int> codes)
    {
        var table = new bool[256];
        foreach (var code in codes)
        {
            table[code] = true;
        }

        return table;
    }
}
