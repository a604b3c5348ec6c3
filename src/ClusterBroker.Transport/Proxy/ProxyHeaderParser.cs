using System.Buffers.Binary;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace ClusterBroker.Transport.Proxy;

/// <summary>
/// Reads the PROXY protocol header (HAProxy's specification, versions 1 and 2) at the start of a connection: the
/// address of the client a load balancer accepted the connection from. Pure function of the bytes received so far.
/// </summary>
/// <remarks>
/// Version 1 is one text line, "PROXY TCP4|TCP6|UNKNOWN src dst srcport dstport\r\n", of at most 107 bytes.
/// Version 2 is a 16-byte binary header (12-byte signature, version/command, family/protocol, length) followed by
/// the addresses and optional TLVs, which are skipped. A LOCAL command (the balancer's own health check), UNKNOWN
/// or a non-IP family carry no client address: the connection keeps its socket address (Source is null).
/// Input that cannot become a header is refused as early as the first differing byte, so a client that sends MQTT
/// straight away is told at once rather than after a timeout.
/// </remarks>
internal static class ProxyHeaderParser
{
    public const int V1MaximumLength = 107;

    private static ReadOnlySpan<byte> V2Signature => [0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A];

    private static ReadOnlySpan<byte> V1Prefix => "PROXY "u8;

    public static ProxyHeaderResult Parse(ReadOnlySpan<byte> data)
    {
        if (data.IsEmpty)
            return ProxyHeaderResult.NeedMore;
        if (data[0] == V2Signature[0])
        {
            int compared = Math.Min(data.Length, V2Signature.Length);
            if (!data[..compared].SequenceEqual(V2Signature[..compared]))
                return ProxyHeaderResult.Invalid("not a PROXY protocol header (bad version 2 signature)");
            return data.Length < 16 ? ProxyHeaderResult.NeedMore : ParseV2(data);
        }
        if (data[0] == V1Prefix[0])
        {
            int compared = Math.Min(data.Length, V1Prefix.Length);
            if (!data[..compared].SequenceEqual(V1Prefix[..compared]))
                return ProxyHeaderResult.Invalid("not a PROXY protocol header (expected \"PROXY \")");
            return ParseV1(data);
        }
        return ProxyHeaderResult.Invalid($"no PROXY protocol header (first byte 0x{data[0]:X2})");
    }

    private static ProxyHeaderResult ParseV1(ReadOnlySpan<byte> data)
    {
        int end = data[..Math.Min(data.Length, V1MaximumLength)].IndexOf("\r\n"u8);
        if (end < 0)
        {
            return data.Length >= V1MaximumLength
                ? ProxyHeaderResult.Invalid($"PROXY v1 line longer than {V1MaximumLength} bytes or not ended by CRLF")
                : ProxyHeaderResult.NeedMore;
        }
        int consumed = end + 2;
        string line = Encoding.ASCII.GetString(data[..end]);
        string[] parts = line.Split(' ');
        if (parts.Length >= 2 && parts[1] == "UNKNOWN")
            return ProxyHeaderResult.Complete(consumed, null); // the rest of the line is to be ignored
        if (parts.Length != 6)
            return ProxyHeaderResult.Invalid($"PROXY v1 line has {parts.Length} fields, expected 6: '{Printable(line)}'");
        AddressFamily family = parts[1] switch
        {
            "TCP4" => AddressFamily.InterNetwork,
            "TCP6" => AddressFamily.InterNetworkV6,
            _ => AddressFamily.Unknown,
        };
        if (family == AddressFamily.Unknown)
            return ProxyHeaderResult.Invalid($"PROXY v1 protocol '{Printable(parts[1])}' is not TCP4, TCP6 or UNKNOWN");
        if (!IPAddress.TryParse(parts[2], out IPAddress? source) || source.AddressFamily != family
            || !IPAddress.TryParse(parts[3], out IPAddress? destination) || destination.AddressFamily != family)
            return ProxyHeaderResult.Invalid($"PROXY v1 addresses '{Printable(parts[2])}' '{Printable(parts[3])}' are not {parts[1]} addresses");
        if (!TryParsePort(parts[4], out int sourcePort) || !TryParsePort(parts[5], out _))
            return ProxyHeaderResult.Invalid($"PROXY v1 ports '{Printable(parts[4])}' '{Printable(parts[5])}' are not 0-65535");
        return ProxyHeaderResult.Complete(consumed, new IPEndPoint(source, sourcePort));
    }

    private static ProxyHeaderResult ParseV2(ReadOnlySpan<byte> data)
    {
        int version = data[12] >> 4;
        int command = data[12] & 0x0F;
        if (version != 2)
            return ProxyHeaderResult.Invalid($"PROXY v2 header with version {version}");
        if (command > 1)
            return ProxyHeaderResult.Invalid($"PROXY v2 command {command} is neither LOCAL (0) nor PROXY (1)");
        int family = data[13] >> 4;
        int transport = data[13] & 0x0F;
        int length = BinaryPrimitives.ReadUInt16BigEndian(data[14..16]);
        int total = 16 + length;
        int needed = family switch
        {
            1 => 12, // IPv4: 4 + 4 + 2 + 2
            2 => 36, // IPv6: 16 + 16 + 2 + 2
            3 => 216, // UNIX: 108 + 108
            _ => 0,
        };
        if (family > 3 || transport > 2)
            return ProxyHeaderResult.Invalid($"PROXY v2 address family/protocol 0x{data[13]:X2} is not defined");
        if (length < needed)
            return ProxyHeaderResult.Invalid($"PROXY v2 length {length} is too short for its address family ({needed} bytes)");
        if (data.Length < total)
            return ProxyHeaderResult.NeedMore;
        if (command == 0 || transport != 1 || family is 0 or 3)
            return ProxyHeaderResult.Complete(total, null);

        ReadOnlySpan<byte> addresses = data[16..];
        IPEndPoint source = family == 1
            ? new IPEndPoint(new IPAddress(addresses[..4]), BinaryPrimitives.ReadUInt16BigEndian(addresses[8..10]))
            : new IPEndPoint(new IPAddress(addresses[..16]), BinaryPrimitives.ReadUInt16BigEndian(addresses[32..34]));
        return ProxyHeaderResult.Complete(total, source);
    }

    private static bool TryParsePort(string text, out int port)
    {
        port = -1;
        if (text.Length is 0 or > 5 || !text.All(char.IsAsciiDigit))
            return false;
        port = int.Parse(text, NumberStyles.None, CultureInfo.InvariantCulture);
        return port <= 65535;
    }

    private static string Printable(string text)
    {
        var builder = new StringBuilder(Math.Min(text.Length, 64));
        foreach (char c in text.AsSpan(0, Math.Min(text.Length, 64)))
            builder.Append(c is >= ' ' and <= '~' ? c : '?');
        return builder.ToString();
    }
}
