namespace ClusterBroker.ClusterTests.Infrastructure;

/// <summary>An MQTT control packet as read off the wire: fixed-header byte and the bytes after the remaining length.</summary>
public sealed record RawPacket(byte Header, byte[] Body)
{
    public const int ConnAck = 2;
    public const int Publish = 3;
    public const int SubAck = 9;
    public const int Disconnect = 14;

    public int Type => Header >> 4;

    /// <summary>The reason code of a 5.0 DISCONNECT (0 when it has no body).</summary>
    public int DisconnectReason => Body.Length > 0 ? Body[0] : 0;

    public override string ToString() => Type switch
    {
        Disconnect => $"DISCONNECT 0x{DisconnectReason:X2}",
        _ => $"packet type {Type} ({Body.Length} bytes)",
    };
}
