using System.Buffers.Binary;
using System.Text;
using ClusterBroker.LoadTests.Configuration;

namespace ClusterBroker.LoadTests.Lightweight;

/// <summary>
/// The few MQTT control packets the lightweight connection client writes, encoded by hand: CONNECT
/// (3.1.1 protocol level 4, or 5.0 with an empty property block), PINGREQ and DISCONNECT.
/// </summary>
public static class ControlPackets
{
    public static ReadOnlySpan<byte> PingRequest => [0xC0, 0x00];

    public static ReadOnlySpan<byte> Disconnect => [0xE0, 0x00];

    public static byte[] Connect(ConnectSettings settings)
    {
        var clientId = Encoding.UTF8.GetBytes(settings.ClientId);
        var username = settings.Username is null ? null : Encoding.UTF8.GetBytes(settings.Username);
        var password = settings.Password is null ? null : Encoding.UTF8.GetBytes(settings.Password);
        var v5 = settings.Protocol == MqttProtocol.V500;

        // Variable header: protocol name "MQTT", level, flags, keep alive, [v5: property length 0].
        var variableHeader = 2 + 4 + 1 + 1 + 2 + (v5 ? 1 : 0);
        var payload = 2 + clientId.Length + (username is null ? 0 : 2 + username.Length) + (password is null ? 0 : 2 + password.Length);
        var remaining = variableHeader + payload;

        var packet = new byte[1 + RemainingLengthSize(remaining) + remaining];
        var at = 0;
        packet[at++] = 0x10;
        at += WriteRemainingLength(packet.AsSpan(at), remaining);
        at += WriteString(packet.AsSpan(at), "MQTT"u8);
        packet[at++] = v5 ? (byte)5 : (byte)4;

        byte flags = 0;
        if (settings.CleanStart)
        {
            flags |= 0x02;
        }

        if (password is not null)
        {
            flags |= 0x40;
        }

        if (username is not null)
        {
            flags |= 0x80;
        }

        packet[at++] = flags;
        BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(at), (ushort)settings.KeepAliveSeconds);
        at += 2;
        if (v5)
        {
            packet[at++] = 0;
        }

        at += WriteString(packet.AsSpan(at), clientId);
        if (username is not null)
        {
            at += WriteString(packet.AsSpan(at), username);
        }

        if (password is not null)
        {
            at += WriteString(packet.AsSpan(at), password);
        }

        return at == packet.Length ? packet : throw new InvalidOperationException("CONNECT size miscalculated");
    }

    public static int RemainingLengthSize(int value) => value switch
    {
        < 128 => 1,
        < 16_384 => 2,
        < 2_097_152 => 3,
        _ => 4,
    };

    public static int WriteRemainingLength(Span<byte> destination, int value)
    {
        var at = 0;
        do
        {
            var digit = (byte)(value % 128);
            value /= 128;
            destination[at++] = value > 0 ? (byte)(digit | 0x80) : digit;
        }
        while (value > 0);

        return at;
    }

    private static int WriteString(Span<byte> destination, ReadOnlySpan<byte> value)
    {
        BinaryPrimitives.WriteUInt16BigEndian(destination, (ushort)value.Length);
        value.CopyTo(destination[2..]);
        return 2 + value.Length;
    }
}
